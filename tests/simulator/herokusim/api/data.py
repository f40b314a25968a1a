"""Data API routes (api.data.heroku.com): /client/v11, /postgres/v0 and /data/maintenances."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import EmptyNotFound, not_found
from ..ops import addons as addon_ops
from ..ops import attachments as attachment_ops
from ..ops import databases, maintenances, transfers, upgrades, windows
from .platform import _app, body, sim

bp = Blueprint("data", __name__)


def _db(ident: str):
    addon = sim().store.addon(ident)
    if addon is None:
        raise EmptyNotFound()   # the CLI treats a message-less 404 as "not yet provisioned"
    return addon


@bp.get("/client/v11/databases/<ident>")
def database(ident):
    return jsonify(databases.info(sim(), _db(ident)))


@bp.get("/client/v11/databases/<ident>/wait_status")
def wait_status(ident):
    return jsonify(databases.wait_status(_db(ident)))


@bp.put("/client/v11/databases/<ident>/unfollow")
def unfollow(ident):
    return jsonify(databases.unfollow(sim(), _db(ident)))


@bp.post("/client/v11/databases/<ident>/upgrade/<action>")
def upgrade(ident, action):
    addon, version = _db(ident), body().get("version")
    if action == "run":
        return jsonify(upgrades.run(sim(), addon, version))
    if action == "prepare":
        return jsonify(upgrades.prepare(sim(), addon, version))
    if action == "dry_run":
        return jsonify(upgrades.dry_run(sim(), addon, version))
    if action == "cancel":
        return jsonify(upgrades.cancel(sim(), addon))
    raise not_found("upgrade action")


@bp.get("/client/v11/databases/<ident>/upgrade/wait_status")
def upgrade_wait_status(ident):
    return jsonify(upgrades.wait_status(_db(ident)))


@bp.post("/client/v11/databases/<ident>/transfers")
def transfer_create(ident):
    transfer = transfers.create(sim(), _db(ident), body())
    response = jsonify(transfers.serialize(transfer, verbose=False))
    response.status_code = 201
    return response


@bp.get("/client/v11/apps/<app>/transfers")
def transfer_list(app):
    name = _app(app).name
    return jsonify([transfers.serialize(t, False) for t in sim().store.transfers.values() if t.app == name])


@bp.get("/client/v11/apps/<app>/transfers/<ident>")
def transfer_info(app, ident):
    transfer = transfers.find(sim(), _app(app).name, ident)
    return jsonify(transfers.serialize(transfer, verbose=request.args.get("verbose") == "true"))


@bp.post("/client/v11/databases/<ident>/connection-pooling")
def connection_pooling(ident):
    data = body()
    addon = addon_ops.require(sim(), ident)
    app = _app(str(data.get("app") or addon.app))
    att = attachment_ops.attach_pool(sim(), addon, app, data.get("name"))
    return jsonify({"id": att.id, "name": att.name, "namespace": att.namespace,
                    "app": {"name": app.name}, "addon": {"id": addon.id, "name": addon.name}})


@bp.get("/postgres/v0/databases/<ident>/credentials")
def credentials(ident):
    addon = addon_ops.require(sim(), ident)
    cluster = addon.db.cluster
    if cluster is None:
        raise EmptyNotFound()
    return jsonify([{"uuid": addon.id, "name": "default", "state": "active", "database": cluster.dbname,
                     "host": "127.0.0.1", "port": cluster.port,
                     "credentials": [{"user": cluster.user, "state": "active", "connections": None}]}])


@bp.get("/data/maintenances/v1/<ident>")
def maintenance(ident):
    return jsonify(maintenances.serialize(addon_ops.require(sim(), ident)))


@bp.post("/data/maintenances/v1/<ident>/run")
def maintenance_run(ident):
    return jsonify(maintenances.run(sim(), addon_ops.require(sim(), ident)))


@bp.post("/data/maintenances/v1/<ident>/schedule")
def maintenance_schedule(ident):
    return jsonify(maintenances.schedule(sim(), addon_ops.require(sim(), ident), body().get("delay_weeks")))


@bp.get("/data/maintenances/v1/<ident>/window")
def maintenance_window(ident):
    return jsonify(windows.info(addon_ops.require(sim(), ident)))


@bp.post("/data/maintenances/v1/<ident>/window")
def maintenance_window_update(ident):
    data = body()
    return jsonify(windows.update(sim(), addon_ops.require(sim(), ident), data.get("day_of_week"),
                                  data.get("time_of_day")))


@bp.get("/data/maintenances/v1/apps/<app>")
def app_maintenances(app):
    name = _app(app).name
    return jsonify({"maintenances": [maintenances.serialize(a) for a in sim().store.live_addons()
                                     if a.app == name and a.db.maintenance]})
