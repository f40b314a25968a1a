"""Per-request behaviour every Heroku response shares: auth, Request-Id, RateLimit-Remaining,
JSON errors, injected faults, and the request log the admin API exposes."""
from __future__ import annotations

import base64
import math
import time
import uuid

from flask import Flask, Response, g, jsonify, request

from ..errors import EmptyNotFound, HerokuError
from .controls import Faults, RateLimiter, RequestLog

ADMIN_PREFIX = "/__sim/"


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def install(app: Flask, tokens: set[str], faults: Faults, limiter: RateLimiter, log: RequestLog) -> None:
    @app.before_request
    def _before():
        g.started = time.monotonic()
        g.request_id = str(uuid.uuid4())
        if request.path.startswith(ADMIN_PREFIX):
            return None
        if _token() not in tokens:
            raise HerokuError(401, "unauthorized", "Invalid credentials provided.")
        allowed, remaining, wait = limiter.take()
        g.remaining = remaining
        if not allowed:
            raise HerokuError(429, "rate_limit", "Your account reached the API rate limit. Please "
                              "wait a few minutes before making new requests",
                              headers={"Retry-After": str(max(1, math.ceil(wait)))})
        fault = faults.hit(request.method, request.path)
        if fault is not None:
            if fault.latency:
                time.sleep(fault.latency)
            if fault.status and fault.after:
                g.lost_response = fault
            elif fault.status:
                return _fault_response(fault)
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        if g.get("lost_response") is not None:
            response = _fault_response(g.lost_response)
        response.headers["Request-Id"] = getattr(g, "request_id", str(uuid.uuid4()))
        response.headers["RateLimit-Remaining"] = str(getattr(g, "remaining", limiter.remaining()))
        if not request.path.startswith(ADMIN_PREFIX):
            log.add({"method": request.method, "path": request.path,
                     "query": request.query_string.decode(), "status": response.status_code,
                     "time": time.time(),
                     "duration": round(time.monotonic() - g.get("started", time.monotonic()), 4)})
        return response

    @app.errorhandler(HerokuError)
    def _heroku_error(err: HerokuError):
        response = jsonify(err.body())
        response.status_code = err.status
        response.headers.update(err.headers)
        return response

    @app.errorhandler(EmptyNotFound)
    def _empty_404(_error: EmptyNotFound):
        return Response(b"", status=404, content_type="application/json")

    @app.errorhandler(404)
    def _not_found(_error):
        return _heroku_error(HerokuError(404, "not_found", "The requested API endpoint was not found. "
                                         "Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and "
                                         "did you specify your API version in the Accept header?"))

    @app.errorhandler(405)
    def _not_allowed(_error):
        return _not_found(None)

    @app.errorhandler(Exception)
    def _internal(err: Exception):
        app.logger.exception("unhandled error", exc_info=err)
        return _heroku_error(HerokuError(500, "internal_server_error", "Internal server error."))


def _fault_response(fault) -> Response:
    ids = {429: "rate_limit", 500: "internal_server_error", 502: "bad_gateway", 503: "unavailable",
           504: "gateway_timeout"}
    response = jsonify({"id": ids.get(fault.status, "error"), "message": f"Injected fault ({fault.status})."})
    response.status_code = fault.status
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response
