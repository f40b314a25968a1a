"""Data API routes of Heroku Postgres Advanced (api.data.heroku.com/data/postgres/v1): levels,
pricing, info, wait_status, pools and migrations, as the CLI's data:pg:* commands call them."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import plans
from ..errors import not_found
from ..ops import advanced, migrations
from .platform import body, sim

bp = Blueprint("advanced", __name__, url_prefix="/data/postgres/v1")


@bp.get("/levels/<tier>")
def levels(tier):
    if tier != "advanced":  # the CLI asks for `advanced` whatever the network
        raise not_found("tier")
    return jsonify(advanced.levels())


@bp.get("/pricing")
def pricing():
    return jsonify(plans.pricing())


@bp.get("/<ident>/info")
def info(ident):
    return jsonify(advanced.info(sim(), advanced.require(sim(), ident)))


@bp.get("/<ident>/wait_status")
def wait_status(ident):
    return jsonify(advanced.wait_status(advanced.require(sim(), ident)))


@bp.post("/<ident>/pools")
def pool_create(ident):
    addon = advanced.require(sim(), ident)
    return jsonify(advanced.pool_json(addon, advanced.create_pool(sim(), addon, body())))


@bp.patch("/<ident>/pools/<pool>")
def pool_update(ident, pool):
    addon = advanced.require(sim(), ident)
    return jsonify(advanced.pool_json(addon, advanced.update_pool(sim(), addon, pool, body())))


@bp.delete("/<ident>/pools/<pool>")
def pool_destroy(ident, pool):
    addon = advanced.require(sim(), ident)
    return jsonify(advanced.pool_json(addon, advanced.destroy_pool(sim(), addon, pool)))


@bp.get("/<ident>/migrations")
def migration(ident):
    addon = sim().store.addon(ident)
    if addon is None or not addon.plan.advanced:  # a classic database is no migration target either
        raise advanced.not_found()
    return jsonify(migrations.serialize(migrations.get(addon)))


@bp.post("/<ident>/migrations")
def migration_create(ident):
    return jsonify(migrations.serialize(migrations.create(sim(), advanced.require(sim(), ident), body())))


@bp.post("/<ident>/migrations/<action>")
def migration_action(ident, action):
    target = advanced.require(sim(), ident)
    if action == "run":
        migrations.run(sim(), target)
    elif action == "cancel":
        migrations.cancel(sim(), target)
    else:
        raise not_found("migration action")
    return jsonify({}), 202
