"""Platform API representations, shaped by the Platform API JSON schema."""
from __future__ import annotations

import datetime as dt
import uuid

from . import clock, plans
from .model import ACCOUNT_EMAIL, ACCOUNT_ID, Addon, App, Attachment, Formation, Release
from .sim import Simulator

_REGION_IDS = {"us": "59accabd-516d-4f0e-83e6-6e3757701145", "eu": "ed30241c-ed8c-4bb6-9714-61953675d0b4"}
_STACK = {"id": "ae5d9a5c-5c1b-4d45-8a2a-7c6b0a2c3d4e", "name": "heroku-24"}


def _ref_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"herokusim/{kind}/{name}"))


def app(sim: Simulator, a: App, sdk: bool = False) -> dict:
    released = a.releases[-1].created_at if a.releases else None
    space = None
    if a.space:
        space = {"id": _ref_id("space", a.space), "name": a.space, "shield": a.shield}
    team = {"id": team_id(a.team), "name": a.team} if a.team else None
    # A team app is owned by the team's pseudo-user, as Heroku shows it.
    owner = ({"email": f"{a.team}@herokumanager.com", "id": _ref_id("team-owner", a.team)} if a.team
             else {"email": ACCOUNT_EMAIL, "id": ACCOUNT_ID})
    body = {
        "acm": False, "archived_at": None, "buildpack_provided_description": None,
        "build_stack": _STACK, "created_at": clock.iso(a.created_at),
        "generation": {"id": _ref_id("generation", "cedar"), "name": "cedar"},
        "git_url": f"https://git.heroku.com/{a.name}.git", "id": a.id,
        "internal_routing": False if a.space else None, "maintenance": a.maintenance,
        "name": a.name, "owner": owner,
        "organization": team, "team": team,
        "region": {"id": _REGION_IDS.get(a.region, _ref_id("region", a.region)), "name": a.region},
        "released_at": clock.iso(released), "repo_size": None, "slug_size": None,
        "space": space, "stack": _STACK, "updated_at": clock.iso(a.updated_at),
        "web_url": f"https://{a.name}.herokuapp.com/",
    }
    if sdk:  # the version=3.sdk variant `heroku ps` asks for carries the dyno tier
        body["process_tier"] = "production" if a.space else "basic"
    return body


def team_id(name: str) -> str:
    return _ref_id("team", name)


def team_app(sim: Simulator, a: App) -> dict:
    """GET /teams/{team}/apps items (schema `team-app`): the app without its personal-app fields."""
    body = {k: v for k, v in app(sim, a).items() if k not in ("acm", "generation", "organization")}
    return {**body, "joined": False, "locked": False}


def _app_ref(sim: Simulator, name: str) -> dict:
    return {"id": sim.store.apps[name].id, "name": name}


def _plan(plan: plans.Plan, expanded: bool) -> dict:
    body = {"id": plan.id, "name": plan.full_name}
    if expanded:
        body.update({"human_name": plan.human_name, "price": _price(plan), "state": "public",
                     "description": f"Heroku Postgres {plan.human_name}"})
    return body


def _price(plan: plans.Plan) -> dict:
    return {"cents": plan.cents, "unit": "month", "contract": False, "metered": False}


def addon(sim: Simulator, a: Addon, expanded: bool = False) -> dict:
    service = {"id": plans.SERVICE_ID, "name": plans.SERVICE}
    if expanded:
        service.update({"human_name": "Heroku Postgres", "state": "ga"})
    config_vars = sorted({att.name + "_URL" for att in sim.store.attachments_of_addon(a.id)
                          if att.app == a.app})
    return {
        "actions": [], "addon_service": service,
        "billing_entity": {"id": sim.store.apps[a.app].id, "name": a.app, "type": "app"},
        "app": _app_ref(sim, a.app), "billed_price": {k: v for k, v in _price(a.plan).items() if k != "metered"},
        "config_vars": config_vars, "created_at": clock.iso(a.created_at), "id": a.id,
        "name": a.name, "plan": _plan(a.plan, expanded), "provider_id": f"resource{a.id[:8]}@heroku.com",
        "provision_message": a.provision_message, "state": a.state,
        "updated_at": clock.iso(a.updated_at), "web_url": f"https://data.heroku.com/datastores/{a.id}",
    }


def attachment(sim: Simulator, att: Attachment, sdk: bool = False) -> dict:
    a = sim.store.addons[att.addon_id]
    body = {
        "addon": {"id": a.id, "name": a.name, "app": _app_ref(sim, a.app)},
        "app": _app_ref(sim, att.app), "created_at": clock.iso(att.created_at), "id": att.id,
        "name": att.name, "namespace": att.namespace, "updated_at": clock.iso(att.updated_at),
        "web_url": f"https://data.heroku.com/datastores/{a.id}", "log_input_url": None,
    }
    if sdk:  # version=3.sdk with Accept-Inclusion: addon:plan,config_vars
        body["addon"]["plan"] = {"id": a.plan.id, "name": a.plan.full_name}
        body["config_vars"] = [att.name + "_URL"]
    return body


def formation(sim: Simulator, a: App, f: Formation) -> dict:
    return {
        "app": {"id": a.id, "name": a.name}, "command": f.command,
        "created_at": clock.iso(f.created_at),
        "dyno_size": {"id": _ref_id("dyno-size", f.size), "name": f.size},
        "id": f.id, "quantity": f.quantity, "size": f.size, "type": f.type,
        "updated_at": clock.iso(f.updated_at),
    }


def release(sim: Simulator, a: App, r: Release) -> dict:
    return {
        "addon_plan_names": sorted({ad.plan.full_name for ad in sim.store.live_addons() if ad.app == a.name}),
        "artifacts": [], "app": {"id": a.id, "name": a.name},
        "created_at": clock.iso(r.created_at), "description": r.description, "id": r.id,
        "updated_at": clock.iso(r.updated_at), "slug": None, "status": r.status,
        "user": {"id": ACCOUNT_ID, "email": ACCOUNT_EMAIL}, "version": r.version,
        "current": r.current, "output_stream_url": None, "eligible_for_rollback": False,
    }


def dyno(a: App, d, release_ref: Release | None) -> dict:
    started = clock.iso(dt.datetime.fromtimestamp(d.started_at, dt.timezone.utc))
    return {
        "attach_url": None, "command": f"bin/{d.type}", "created_at": started,
        "id": _ref_id("dyno", f"{a.name}/{d.name}/{d.pid}"), "name": d.name,
        "release": {"id": release_ref.id, "version": release_ref.version} if release_ref else None,
        "app": {"id": a.id, "name": a.name}, "size": "Standard-1X", "state": d.state,
        "type": d.type, "updated_at": started,
    }


def account() -> dict:
    return {"id": ACCOUNT_ID, "email": ACCOUNT_EMAIL, "name": "herokusim", "verified": True,
            "two_factor_authentication": False, "beta": False, "allow_tracking": False,
            "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
            "last_login": None, "sms_number": None, "suspended_at": None, "delinquent_at": None,
            "default_organization": None, "default_team": None, "identity_provider": None,
            "federated": False, "country_of_residence": None}
