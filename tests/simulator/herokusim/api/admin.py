"""The simulator's own controls under /__sim/ (never part of Heroku's API): the request log,
fault injection, the rate limiter, tokens, the writes ledger and database-level faults."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..errors import invalid
from ..ops import addons as addon_ops
from ..ops.databases import public_url
from .platform import _app, body, sim

bp = Blueprint("admin", __name__, url_prefix="/__sim")


def _controls(name: str):
    return current_app.config[name]


@bp.get("/health")
def health():
    return jsonify({"ok": True, "versions": sim().versions})


@bp.get("/requests")
def requests_log():
    return jsonify(_controls("LOG").since(int(request.args.get("since", 0))))


@bp.delete("/requests")
def requests_clear():
    _controls("LOG").clear()
    return jsonify({"ok": True})


@bp.get("/faults")
def faults():
    return jsonify(_controls("FAULTS").listing())


@bp.post("/faults")
def fault_add():
    try:
        fault = _controls("FAULTS").add(body())
    except (TypeError, ValueError) as exc:
        raise invalid(str(exc)) from None
    return jsonify(vars(fault)), 201


@bp.delete("/faults")
def faults_clear():
    _controls("FAULTS").clear()
    return jsonify({"ok": True})


@bp.get("/rate-limit")
def rate_limit():
    return jsonify(_controls("LIMITER").state())


@bp.post("/rate-limit")
def rate_limit_set():
    try:
        _controls("LIMITER").configure(**body())
    except (TypeError, ValueError) as exc:
        raise invalid(str(exc)) from None
    return jsonify(_controls("LIMITER").state())


@bp.post("/tokens")
def token_add():
    token = body().get("token")
    if not token:
        raise invalid("token is required.")
    sim().store.tokens.add(token)
    return jsonify({"ok": True}), 201


@bp.delete("/tokens/<token>")
def token_revoke(token):
    sim().store.tokens.discard(token)
    return jsonify({"ok": True})


@bp.get("/operations")
def operations():
    return jsonify(sim().operations)


@bp.get("/apps/<ident>/writes")
def writes(ident):
    app = _app(ident)
    url = sim().config_vars(app).get("DATABASE_URL")
    if not url:
        raise invalid(f"{app.name} has no DATABASE_URL.")
    return jsonify(sim().dynos.writes(app.name, url))


@bp.get("/databases/<ident>")
def database(ident):
    addon = addon_ops.require(sim(), ident)
    cluster = addon.db.cluster
    return jsonify({"id": addon.id, "name": addon.name, "app": addon.app, "plan": addon.plan.name,
                    "version": addon.db.version, "status": addon.db.status,
                    "url": cluster.url if cluster else None, "public_url": public_url(addon),
                    "in_recovery": cluster.is_in_recovery() if cluster else None})


@bp.post("/databases/<ident>/replay")
def replay(ident):
    """A follower that stops catching up (`{"paused": true}`), or resumes."""
    addon = addon_ops.require(sim(), ident)
    if addon.db.cluster is None or not addon.db.leader_id:
        raise invalid(f"{addon.name} is not a provisioned follower.")
    paused = bool(body().get("paused", True))
    (addon.db.cluster.pause_replay if paused else addon.db.cluster.resume_replay)()
    addon.db.replay_paused = paused
    return jsonify({"paused": paused})


@bp.post("/databases/<ident>/fail-next")
def fail_next(ident):
    """The next `upgrade` of this database, or `copy` or `migration` run onto it, fails as Heroku
    reports it."""
    operation = body().get("operation")
    if operation not in ("upgrade", "copy", "migration"):
        raise invalid("operation must be upgrade, copy or migration.")
    addon_ops.require(sim(), ident).db.fail_next.add(operation)
    return jsonify({"ok": True})
