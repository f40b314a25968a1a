"""Errors in Heroku's shape: `{"id": ..., "message": ...}` with an HTTP status."""
from __future__ import annotations


class HerokuError(Exception):
    def __init__(self, status: int, error_id: str, message: str,
                 headers: dict | None = None, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.error_id = error_id
        self.message = message
        self.extra = extra

    def body(self) -> dict:
        return {"id": self.error_id, "message": self.message, **self.extra}


class EmptyNotFound(Exception):
    """A 404 with an empty body: the data API's "not yet provisioned" answer, which the CLI
    retries (a 404 carrying a message would make it fail instead)."""


def not_found(what: str, resource: str | None = None) -> HerokuError:
    extra = {"resource": resource} if resource else {}
    return HerokuError(404, "not_found", f"Couldn't find that {what}.", **extra)


def invalid(message: str) -> HerokuError:
    return HerokuError(422, "invalid_params", message)


def confirmation_required(message: str) -> HerokuError:
    return HerokuError(422, "confirmation_required", message)
