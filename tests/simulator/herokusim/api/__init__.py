"""The Flask application serving the Platform API, the data API and /__sim/ on one port."""
from __future__ import annotations

from flask import Flask

from ..sim import Simulator
from . import admin, advanced, data, platform
from .controls import Faults, RateLimiter, RequestLog
from .middleware import install


def create_app(sim: Simulator) -> Flask:
    app = Flask("herokusim")
    app.config.update(SIM=sim, FAULTS=Faults(), LIMITER=RateLimiter(), LOG=RequestLog())
    app.config["LIMITER"].configure(time_scale=sim.timings.rate_limit_time_scale)
    app.json.sort_keys = False
    install(app, sim.store.tokens, app.config["FAULTS"], app.config["LIMITER"], app.config["LOG"])
    for blueprint in (platform.bp, data.bp, advanced.bp, admin.bp):
        app.register_blueprint(blueprint)
    return app
