"""Platform API routes (api.heroku.com): apps, config vars, formation, dynos, releases,
add-ons, attachments, resolvers, account."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import clock, plans, serialize
from ..errors import HerokuError, invalid, not_found
from ..model import App, Formation
from ..naming import resolve_addons, resolve_attachments
from ..ops import addons as addon_ops
from ..ops import attachments as attachment_ops
from ..ops import maintenances
from ..sim import Simulator
from .paging import paged

bp = Blueprint("platform", __name__)


def sim() -> Simulator:
    return current_app.config["SIM"]


def body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _app(ident: str) -> App:
    found = sim().store.app(ident)
    if found is None:
        raise not_found("app", "app")
    return found


def _accepts(flag: str) -> bool:
    return flag in request.headers.get("Accept-Expansion", "") or \
        flag in request.headers.get("Accept-Inclusion", "")


def _sdk() -> bool:
    return "version=3.sdk" in request.headers.get("Accept", "")


def _sdk_attachments() -> bool:
    return _sdk() and _accepts("config_vars")


# -- account ------------------------------------------------------------------------------
@bp.get("/account")
def account():
    return jsonify(serialize.account())


@bp.get("/account/rate-limits")
def rate_limits():
    return jsonify({"remaining": current_app.config["LIMITER"].remaining()})


@bp.get("/accounts/<ident>/actions/get-quota")
def quota(ident):
    raise not_found("quota")


# -- apps, config vars --------------------------------------------------------------------
@bp.get("/apps")
def apps():
    return paged([serialize.app(sim(), a) for a in sim().store.apps.values()], "id")


@bp.get("/teams/<ident>/apps")
def team_apps(ident):
    # A team is known by its apps (fixtures have no empty teams); by name or id, as Heroku takes it.
    found = [a for a in sim().store.apps.values() if a.team and ident in (a.team, serialize.team_id(a.team))]
    if not found:
        raise not_found("team", "team")
    return paged([serialize.team_app(sim(), a) for a in found], "id")


@bp.get("/apps/<ident>")
def app_info(ident):
    return jsonify(serialize.app(sim(), _app(ident), sdk=_sdk()))


@bp.patch("/apps/<ident>")
def app_update(ident):
    app, data = _app(ident), body()
    if "maintenance" in data:
        if not isinstance(data["maintenance"], bool):
            raise invalid("maintenance must be a boolean.")
        sim().set_maintenance(app, data["maintenance"])
    return jsonify(serialize.app(sim(), app))


@bp.get("/apps/<ident>/config-vars")
def config_vars(ident):
    return jsonify(sim().config_vars(_app(ident)))


@bp.patch("/apps/<ident>/config-vars")
def config_vars_update(ident):
    app, data = _app(ident), body()
    if not data or not all(isinstance(v, (str, type(None))) for v in data.values()):
        raise invalid("Config vars must be a map of names to strings or null.")
    with sim().store.lock:
        for key, value in data.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value
    sim().release(app, f"Set {', '.join(sorted(data))} config vars")
    return jsonify(sim().config_vars(app))


# -- formation, dynos, releases -------------------------------------------------------------
@bp.get("/apps/<ident>/formation")
def formation(ident):
    app = _app(ident)
    return jsonify([serialize.formation(sim(), app, f) for f in app.formation.values()])


@bp.get("/apps/<ident>/formation/<ptype>")
def formation_info(ident, ptype):
    app = _app(ident)
    if ptype not in app.formation:
        raise not_found("process type", "formation")
    return jsonify(serialize.formation(sim(), app, app.formation[ptype]))


@bp.patch("/apps/<ident>/formation")
def formation_batch(ident):
    updates = body().get("updates")
    if not isinstance(updates, list) or not updates:
        raise invalid("updates must be a non-empty list.")
    app = _app(ident)
    changed = _scale(app, updates)
    return jsonify([serialize.formation(sim(), app, f) for f in changed])


@bp.patch("/apps/<ident>/formation/<ptype>")
def formation_update(ident, ptype):
    app = _app(ident)
    changed = _scale(app, [{**body(), "type": ptype}])
    return jsonify(serialize.formation(sim(), app, changed[0]))


def _scale(app: App, updates: list) -> list[Formation]:
    """Validate every update before applying any, so a bad one changes nothing."""
    planned = []
    for update in updates:
        ptype = update.get("type") if isinstance(update, dict) else None
        if ptype not in app.formation:
            raise invalid(f"Couldn't find that process type ({ptype}).")
        current = app.formation[ptype]
        planned.append((current, _quantity(current.quantity, update.get("quantity")),
                        _size(update) or current.size))
    with sim().store.lock:
        for current, quantity, size in planned:
            current.quantity, current.size, current.updated_at = quantity, size, clock.now()
    sim().apply_formation(app)
    return [entry[0] for entry in planned]


def _quantity(current: int, raw) -> int:
    if raw is None:
        return current
    text = str(raw).strip()
    try:
        value = current + int(text) if text[:1] in "+-" else int(text)
    except ValueError:
        raise invalid(f"Invalid quantity: {raw}.") from None
    if value < 0:
        raise invalid(f"Quantity cannot be negative ({value}).")
    return value


def _size(update: dict) -> str | None:
    size = update.get("size") or update.get("dyno_size")
    return size.get("name") if isinstance(size, dict) else size


@bp.get("/apps/<ident>/dynos")
def dynos(ident):
    app = _app(ident)
    current = app.releases[-1] if app.releases else None
    return jsonify([serialize.dyno(app, d, current) for d in sim().dynos.dynos(app.name)])


@bp.get("/apps/<ident>/releases")
def releases(ident):
    app = _app(ident)
    return paged([serialize.release(sim(), app, r) for r in app.releases], "version")


@bp.get("/apps/<ident>/releases/<rel>")
def release_info(ident, rel):
    app = _app(ident)
    found = next((r for r in app.releases if rel in (r.id, str(r.version))), None)
    if found is None:
        raise not_found("release", "release")
    return jsonify(serialize.release(sim(), app, found))


# -- add-ons --------------------------------------------------------------------------------
def _addon_json(addon) -> dict:
    return serialize.addon(sim(), addon, expanded=_accepts("plan"))


@bp.get("/addons")
def addons():
    return paged([_addon_json(a) for a in sim().store.live_addons()], "id")


@bp.get("/apps/<ident>/addons")
def app_addons(ident):
    app = _app(ident)
    attached = {att.addon_id for att in sim().store.attachments_of_app(app.name)}
    return paged([_addon_json(a) for a in sim().store.live_addons()
                  if a.app == app.name or a.id in attached], "id")


@bp.get("/addons/<ident>")
def addon_info(ident):
    return jsonify(_addon_json(addon_ops.require(sim(), ident)))


@bp.get("/apps/<app_ident>/addons/<ident>")
def app_addon_info(app_ident, ident):
    app, addon = _app(app_ident), addon_ops.require(sim(), ident)
    if addon.app != app.name and not any(a.app == app.name for a in sim().store.attachments_of_addon(addon.id)):
        raise not_found("add-on", "add_on")
    return jsonify(_addon_json(addon))


@bp.post("/apps/<ident>/addons")
def addon_create(ident):
    addon = addon_ops.create(sim(), _app(ident), body())
    response = jsonify(_addon_json(addon))
    response.status_code = 201
    return response


@bp.patch("/apps/<app_ident>/addons/<ident>")
def addon_update(app_ident, ident):
    app, addon = _app(app_ident), addon_ops.require(sim(), ident)
    if addon.app != app.name:
        raise not_found("add-on", "add_on")
    if "plan" not in body():
        raise invalid("plan is required.")
    return jsonify(_addon_json(maintenances.change_plan(sim(), addon, body()["plan"])))


@bp.delete("/apps/<app_ident>/addons/<ident>")
def addon_destroy(app_ident, ident):
    app, addon = _app(app_ident), addon_ops.require(sim(), ident)
    return jsonify(_addon_json(addon_ops.destroy(sim(), app, addon)))


@bp.get("/addon-services/<svc>")
def addon_service(svc):
    if svc not in (plans.SERVICE, plans.SERVICE_ID):
        raise not_found("add-on service")
    return jsonify({"id": plans.SERVICE_ID, "name": plans.SERVICE, "human_name": "Heroku Postgres",
                    "state": "ga", "supports_multiple_installations": True,
                    "supports_sharing": True, "cli_plugin_name": None})


@bp.get("/addon-services/<svc>/plans")
def addon_service_plans(svc):
    addon_service(svc)
    return jsonify([{"id": p.id, "name": p.full_name, "human_name": p.human_name,
                     "price": {"cents": p.cents, "unit": "month", "contract": False, "metered": False},
                     "state": "public", "compliance": ["HIPAA"] if p.tier == "shield" else None,
                     "space_default": False, "visible": True}
                    for p in plans.PLANS.values()])


@bp.get("/addons/<ident>/config")
@bp.get("/addons/<ident>/config/<path:key>")
def addon_config(ident, key=None):
    addon_ops.require(sim(), ident)
    # Only the default credential exists, so named-credential look-ups find nothing.
    return jsonify([])


@bp.post("/actions/addons/resolve")
def addons_resolve():
    data = body()
    if not data.get("addon"):
        raise invalid("addon is required.")
    found = resolve_addons(sim().store, str(data["addon"]), data.get("app"))
    service = data.get("addon_service")
    if service:
        found = [a for a in found if service in (plans.SERVICE, plans.SERVICE_ID)]
    if not found:
        raise not_found("add on", "add_on")
    if len(found) > 1:
        names = ", ".join(a.name for a in found)
        raise HerokuError(422, "multiple_matches", f"Ambiguous identifier; multiple matching add-ons found: {names}.")
    return jsonify([_addon_json(a) for a in found])


# -- attachments ----------------------------------------------------------------------------
def _attachments_json(items) -> list[dict]:
    sdk = _sdk_attachments()
    return [serialize.attachment(sim(), att, sdk=sdk) for att in items]


@bp.get("/apps/<ident>/addon-attachments")
def app_attachments(ident):
    return paged(_attachments_json(sim().store.attachments_of_app(_app(ident).name)), "id")


@bp.get("/apps/<ident>/addon-attachments/<name>")
def app_attachment_info(ident, name):
    app = _app(ident)
    found = next((a for a in sim().store.attachments_of_app(app.name) if name in (a.id, a.name)), None)
    if found is None:
        raise not_found("add on attachment", "add_on attachment")
    return jsonify(_attachments_json([found])[0])


@bp.get("/addons/<ident>/addon-attachments")
def addon_attachments(ident):
    addon = addon_ops.require(sim(), ident)
    return paged(_attachments_json(sim().store.attachments_of_addon(addon.id)), "id")


@bp.get("/addon-attachments")
def attachments():
    return paged(_attachments_json(sim().store.attachments.values()), "id")


@bp.get("/addon-attachments/<ident>")
def attachment_info(ident):
    att = sim().store.attachments.get(ident)
    if att is None:
        raise not_found("add on attachment", "add_on attachment")
    return jsonify(_attachments_json([att])[0])


@bp.post("/addon-attachments")
def attachment_create():
    data = body()
    addon_ref, app_ref = data.get("addon"), data.get("app")
    addon_ident = (addon_ref.get("name") or addon_ref.get("id")) if isinstance(addon_ref, dict) else addon_ref
    app_ident = (app_ref.get("name") or app_ref.get("id")) if isinstance(app_ref, dict) else app_ref
    if not addon_ident or not app_ident:
        raise invalid("addon and app are required.")
    addon, app = addon_ops.require(sim(), str(addon_ident)), _app(str(app_ident))
    namespace = data.get("namespace")
    if namespace and not (namespace.startswith("credential:") or namespace.startswith("connection-pooling:")):
        raise invalid(f"Unknown namespace {namespace}.")
    att = attachment_ops.attach(sim(), addon, app, data.get("name"), namespace, data.get("confirm"))
    response = jsonify(_attachments_json([att])[0])
    response.status_code = 201
    return response


@bp.delete("/addon-attachments/<ident>")
def attachment_delete(ident):
    att = sim().store.attachments.get(ident)
    if att is None:
        raise not_found("add on attachment", "add_on attachment")
    payload = _attachments_json([att])[0]
    attachment_ops.detach(sim(), att)
    return jsonify(payload)


@bp.post("/actions/addon-attachments/resolve")
def attachments_resolve():
    data = body()
    if not data.get("addon_attachment"):
        raise invalid("addon_attachment is required.")
    found = resolve_attachments(sim().store, str(data["addon_attachment"]), data.get("app"))
    service = data.get("addon_service")
    if service and service not in (plans.SERVICE, plans.SERVICE_ID):
        found = []
    if not found:
        raise not_found("add on attachment", "add_on attachment")
    return jsonify(_attachments_json(found))
