# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The base every module builds on: argument spec, client, result, failures, audit trail."""

from __future__ import annotations

__metaclass__ = type

from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._client import (HAS_REQUESTS, REQUESTS_IMPORT_ERROR, HerokuAPIError, HerokuClient, HerokuError, HerokuUncertainWriteError,
                      heroku_argument_spec)
from ._attachments import DatabaseNotFoundError, is_pg_addon, resolve_attachment
from ._names import config_var_name
from ._wait import ProgressLog, WaitTimeoutError, wait_argument_spec, wait_for


class HerokuModule:
    """Base: builds AnsibleModule with heroku_argument_spec() (+ wait_argument_spec() when wait=True)
    merged with the module's own spec, supports_check_mode=True; owns self.client (HerokuClient from
    params), self.result = {"changed": False}, self.module.

    Every exit and failure carries api_calls: the requests made, or only planned in check mode.
    """

    def __init__(self, argument_spec, wait=False, **ansible_module_kwargs):
        spec = heroku_argument_spec()
        if wait:
            spec.update(wait_argument_spec())
        spec.update(argument_spec)
        ansible_module_kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(argument_spec=spec, **ansible_module_kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.result = {"changed": False}
        self.client = None
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        try:
            self.client = HerokuClient(**{name: self.params[name] for name in heroku_argument_spec()})
        except HerokuError as exc:
            self.module.fail_json(msg=str(exc))

    @property
    def api_calls(self):
        return self.client.calls if self.client else []

    def mark_changed(self):
        self.result["changed"] = True

    def set_diff(self, before, after):
        """Record a diff when the task runs with --diff; callers pass data without secrets."""
        if self.module._diff:
            self.result["diff"] = {"before": before, "after": after}

    def fail(self, doing, error=None, **extra):
        """Fail with "<doing> failed: <why>"; error may be an exception or a sentence.

        HerokuError texts never contain a secret (the client keeps tokens and URLs with
        credentials out of them), so they are safe to show.
        """
        msg = f"{doing} failed" + (f": {error}" if error else "")
        if isinstance(error, HerokuAPIError):
            extra.setdefault("failure", error.to_dict())
        elif isinstance(error, WaitTimeoutError):
            extra.setdefault("failure", {"waiting_for": error.what, "timeout": error.timeout,
                                         "duration": round(error.duration, 3), "state": error.state})
        self.module.fail_json(msg=msg, **{**self.result, **extra, "api_calls": self.api_calls})

    def refuse(self, why, **extra):
        """Fail before (or instead of) a change the module judges unsafe; why is the whole message."""
        self.module.fail_json(msg=why, **{**self.result, **extra, "api_calls": self.api_calls})

    def call(self, doing, fn, *args, **kwargs):
        """Return fn(*args, **kwargs); any HerokuError (API, not found, ambiguous, timeout) fails the module."""
        try:
            return fn(*args, **kwargs)
        except HerokuError as exc:
            self.fail(doing, exc)

    def write(self, doing, method, path, json=None, headers=None, recover=None):
        """Make a change: perform it and return the body, or in check mode plan it and return None.

        The result is marked changed unless Heroku refused the change. A POST or PATCH whose outcome is
        unknown (a 5xx or no answer: HerokuUncertainWriteError) is never repeated blindly. Without recover
        it fails. With it, recover() re-reads the state and returns what stands for the body when the change
        took effect, or None when it did not; only then is the change sent again, up to the retries option.
        """
        if self.check_mode:
            self.mark_changed()
            self.client.plan(method, path)
            return None
        for attempt in range(self.params["retries"] + 1):
            try:
                body = self.client.request(method, path, json, headers)
            except HerokuUncertainWriteError as exc:
                applied = self.call(f"{doing} (re-reading after an unknown outcome)", recover) if recover else None
                if applied is not None:
                    self.mark_changed()
                    return applied
                if recover is None or attempt == self.params["retries"]:
                    self.mark_changed()  # it may have been applied
                    self.fail(doing, exc)
                continue
            except HerokuError as exc:
                self.fail(doing, exc)
            self.mark_changed()
            return body

    def resolve(self, app, database):
        """The attachment for a database reference in any Heroku form (see _attachments.resolve_attachment)."""
        return self.call(f"Finding database {database} on app {app}", resolve_attachment, self.client, app, database)

    def find_database(self, app, database):
        """The add-on {id, name, app, plan} behind a database reference.

        First as an attachment on app, in any Heroku form; failing that, when the reference names no
        app, as a Heroku Postgres add-on name or id anywhere on the account (a database on another
        app, such as the Common Runtime leader of a Private Space follower).
        """
        doing = f"Finding database {database} on app {app}"
        try:
            return resolve_attachment(self.client, app, database)["addon"]
        except DatabaseNotFoundError as exc:
            if "::" in database:
                self.fail(doing, exc)
            return self._pg_addon(doing, database, exc)
        except HerokuError as exc:
            self.fail(doing, exc)

    def database_url(self, attachment):
        """The database URL from the attachment's config var, registered with Ansible as a secret (so that no output
        shows it or its password)."""
        app = attachment["app"]["name"]
        var = next((v for v in attachment.get("config_vars") or () if v.endswith("_URL")),
                   config_var_name(attachment["name"]))
        config = self.call(f"Reading the config vars of {app}", self.client.get, f"/apps/{quote(app, safe='')}/config-vars")
        url = config.get(var)
        if not url:
            self.fail(f"Reading the URL of {attachment['addon']['name']}", f"{app} has no config var {var}")
        self.module.no_log_values.update(v for v in (url, urlsplit(url).password) if v)
        return url

    def _pg_addon(self, doing, name, not_attached):
        """GET /addons/{name}, which must be Heroku Postgres; a 404 fails with not_attached."""
        try:
            addon = self.client.get(f"/addons/{quote(name, safe='')}")
        except HerokuAPIError as exc:
            self.fail(doing, not_attached if exc.status == 404 else exc)
        if not is_pg_addon(addon):
            self.fail(doing, f"{addon['name']} is not a Heroku Postgres database ({addon['plan']['name']})")
        return addon

    def wait(self, doing, poll, ready, what, describe=str, timeout=None, progress=None):
        """Poll until ready(value), pausing up to wait_sleep; return _wait.Waited. Fails on timeout.

        timeout defaults to wait_timeout; pass what is left of it when one task waits in stages.
        Each poll is also recorded for the progress line (see _wait.ProgressLog): describe(value) as the state
        and progress(value), a dict of "value", "target" and "unit" (commits, bytes, steps) and optionally
        "state", or None. Recording makes no API call.
        """
        timeout = self.params["wait_timeout"] if timeout is None else timeout
        log = ProgressLog(self.params.get("progress_file"), what)
        log.write(done=False)

        def polled():
            try:
                return poll()
            except HerokuAPIError as exc:
                log.write(done=False, error=f"HTTP {exc.status}" if exc.status else "no response")
                raise

        def observed(value):
            done = ready(value)
            if log.path:
                record = {"done": bool(done)}
                if not done:
                    record["state"] = describe(value)
                    record.update((progress(value) if progress else None) or {})
                log.write(**record)
            return done

        return self.call(doing, wait_for, polled, observed, what, timeout,
                         max_sleep=self.params["wait_sleep"], describe=describe)

    def exit(self, **result):
        self.module.exit_json(**{**self.result, **result, "api_calls": self.api_calls})
