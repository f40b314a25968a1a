# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""All HTTP traffic to Heroku: one session, auth, retries, paging, errors, audit trail."""

from __future__ import annotations

__metaclass__ = type

import base64
import math
import netrc
import os
import time
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible.module_utils.common.parameters import env_fallback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ConnectTimeoutError
    from urllib3.util.retry import Retry
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object  # only so that _HerokuRetry below can be defined; never instantiated
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

DEFAULT_API_URL = "https://api.heroku.com"
DEFAULT_DATA_HOST = "api.data.heroku.com"

ACCEPT = "application/vnd.heroku+json; version=3"
SDK_ACCEPT = ACCEPT + ".sdk"
# Attachment list/resolve: adds config_vars and addon.plan to each attachment.
ATTACHMENT_INCLUSION = {"Accept": SDK_ACCEPT, "Accept-Inclusion": "addon:plan,config_vars"}
# Add-on list/resolve: addon_service and plan as full objects.
ADDON_EXPANSION = {"Accept": SDK_ACCEPT, "Accept-Expansion": "addon_service,plan"}

# Paths served by the data API host; everything else goes to the platform API.
DATA_PATH_PREFIXES = ("/client/v11/", "/postgres/v0/", "/data/")
# The pg:copy credentials endpoint wants Basic base64(":" + token) instead of Bearer.
BASIC_AUTH_PREFIX = "/postgres/v0/"
# POST /actions/addon(-attachment)s/resolve only reads, so it is as safe to repeat as a GET.
READ_ONLY_POST_PREFIX = "/actions/"

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((500, 502, 503, 504))
BACKOFF_FACTOR = 0.5
# Heroku refills about 75 rate-limit tokens per minute.
SECONDS_PER_TOKEN = 60 / 75
# No delay in seconds is this large, so a bigger Retry-After is an epoch timestamp (2001-09-09).
EPOCH_FLOOR = 10 ** 9

_DEFAULT_PORTS = {"http": 80, "https": 443}


def heroku_argument_spec():
    """The connection options every module merges in; they match doc fragment herokuops.postgres.heroku."""
    return {
        # The env fallback is also in HerokuClient; here it makes AnsibleModule mask the key in output.
        "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["HEROKU_API_KEY"])},
        "api_url": {"type": "str"},
        "data_api_url": {"type": "str"},
        "validate_certs": {"type": "bool", "default": True},
        "request_timeout": {"type": "float", "default": 60.0},
        "retries": {"type": "int", "default": 5},
        "retry_backoff_max": {"type": "float", "default": 30.0},
        "rate_limit_timeout": {"type": "float", "default": 300.0},
        "rate_limit_threshold": {"type": "int", "default": 100},
    }


class HerokuError(Exception):
    """Base of the collection's errors. str() never contains a secret."""


class HerokuAPIError(HerokuError):
    """A Heroku API call failed: an HTTP error status, or no usable response (status None).

    A 404 with an empty body has error_id None: Heroku Postgres uses it for "not provisioned yet".
    """

    def __init__(self, method, path, status=None, error_id=None, message=None, request_id=None, body=None):
        super().__init__(method, path, status)
        self.method = method
        self.path = path
        self.status = status
        self.error_id = error_id
        self.message = message
        self.request_id = request_id
        self.body = body

    def __str__(self):
        text = f"Heroku API call {self.method} {self.path} failed"
        if self.status is None:
            text += f": {self.message}"
        else:
            code = f" ({self.error_id})" if self.error_id else ""
            text += f" with HTTP {self.status}{code}: {self.message or 'no error message'}"
        if self.request_id:
            text += f" [Request-Id: {self.request_id}]"
        return text

    def to_dict(self):
        """Structured form for fail_json(failure=...)."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "id": self.error_id,
            "message": self.message,
            "request_id": self.request_id,
        }


class HerokuUncertainWriteError(HerokuAPIError):
    """A non-idempotent request (POST, PATCH) reached Heroku but got a 5xx or no answer.

    It may or may not have been applied, so it is never repeated blindly: the caller must
    re-read the state and decide whether to send it again.
    """

    def __str__(self):
        return super().__str__() + "; it may have been applied: re-read the state before trying again"


class _HerokuRetry(Retry):
    """urllib3 Retry that repeats 429 for every method and reads epoch-time Retry-After values.

    While rate_limit_timeout seconds have not passed since a request's first 429, its 429s do not
    use up the retries: a drained account gets its tokens back within minutes, not within five tries.
    """

    def __init__(self, *args, rate_limit_timeout=0.0, rate_limited_since=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rate_limit_timeout = rate_limit_timeout
        self.rate_limited_since = rate_limited_since

    def new(self, **kw):
        kw.setdefault("rate_limit_timeout", self.rate_limit_timeout)
        kw.setdefault("rate_limited_since", self.rate_limited_since)
        return super().new(**kw)

    def is_retry(self, method, status_code, has_retry_after=False):
        # A 429 was refused before anything happened, so even a POST is safe to repeat.
        if status_code == 429:
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and response.status == 429 and self.total:
            now = time.monotonic()
            since = self.rate_limited_since if self.rate_limited_since is not None else now
            if now - since < self.rate_limit_timeout:
                spared = self.new(total=self.total + 1, rate_limited_since=since)
                return super(_HerokuRetry, spared).increment(method, url, response, error, _pool, _stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def parse_retry_after(self, retry_after):
        # Heroku has been seen sending an epoch timestamp, which urllib3 reads as a huge delay.
        if retry_after.strip().isdigit() and int(retry_after) > EPOCH_FLOOR:
            retry_after = str(max(0, math.ceil(int(retry_after) - time.time())))
        return super().parse_retry_after(retry_after)


def _host_port(url):
    """host[:port] of a URL, the port only when not the scheme's default (as the CLI names netrc machines)."""
    parts = urlsplit(url)
    port = parts.port
    return parts.hostname + (f":{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme) else "")


def api_urls(api_url=None, data_api_url=None):
    """Return (platform base URL, data base URL), reading the environment like the Heroku CLI.

    Platform: api_url, else HEROKU_HOST (a full URL if it starts with http, else https://api.<HEROKU_HOST>),
    else https://api.heroku.com. Data: data_api_url, else HEROKU_DATA_HOST or HEROKU_POSTGRESQL_HOST or
    api.data.heroku.com as a bare host given the platform URL's scheme and port.
    """
    if not api_url:
        host = os.environ.get("HEROKU_HOST")
        if not host:
            api_url = DEFAULT_API_URL
        elif host.startswith("http"):
            api_url = host
        else:
            api_url = "https://api." + host
    api_url = api_url.rstrip("/")
    if not data_api_url:
        host = os.environ.get("HEROKU_DATA_HOST") or os.environ.get("HEROKU_POSTGRESQL_HOST") or DEFAULT_DATA_HOST
        parts = urlsplit(api_url)
        data_api_url = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return api_url, data_api_url.rstrip("/")


def find_api_key(api_key, api_url):
    """The API key: api_key, else HEROKU_API_KEY, else the ~/.netrc password for the API host."""
    key = api_key or os.environ.get("HEROKU_API_KEY")
    if key:
        return key
    machine = _host_port(api_url)
    try:
        entry = netrc.netrc().hosts.get(machine)
    except FileNotFoundError:
        entry = None
    except netrc.NetrcParseError as exc:
        # Parser messages can quote a token from the file; only the permission checks' are safe.
        why = exc.msg if exc.msg.startswith("~/.netrc") else f"syntax error at line {exc.lineno}"
        raise HerokuError(f"Cannot read the Heroku API key from {exc.filename or '~/.netrc'}: {why}") from None
    except OSError as exc:
        raise HerokuError(f"Cannot read ~/.netrc: {exc.strerror}") from None
    if entry and entry[2]:
        return entry[2]
    raise HerokuError(
        "No Heroku API key found: set the api_key option or the HEROKU_API_KEY environment variable, "
        f"or log in with the Heroku CLI (a 'machine {machine}' entry in ~/.netrc)"
    )


def _json(response):
    """The decoded JSON body, or None when the response has none; ValueError when it is malformed."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if not response.content or not (content_type == "application/json" or content_type.endswith("+json")):
        return None
    return response.json()


class HerokuClient:
    """One requests session for the platform and data APIs.

    Keyword arguments match heroku_argument_spec(). Paths choose the host: /client/v11/, /postgres/v0/
    and /data/ go to the data API, the rest to the platform API. Every method returns the decoded JSON
    body (None when empty) and raises HerokuAPIError, or HerokuUncertainWriteError for a POST/PATCH
    whose outcome is unknown. calls holds one record per request made (or planned in check mode).
    """

    def __init__(self, api_key=None, api_url=None, data_api_url=None, validate_certs=True,
                 request_timeout=60.0, retries=5, retry_backoff_max=30.0, rate_limit_timeout=300.0,
                 rate_limit_threshold=100):
        self.platform_url, self.data_url = api_urls(api_url, data_api_url)
        self._api_key = find_api_key(api_key, self.platform_url)
        self.request_timeout = request_timeout
        self.rate_limit_threshold = rate_limit_threshold
        self.calls = []
        self._pause = 0.0
        self._sleep = time.sleep

        retry = _HerokuRetry(
            total=retries,
            backoff_factor=BACKOFF_FACTOR,
            backoff_max=retry_backoff_max,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=IDEMPOTENT_METHODS,
            raise_on_status=False,
            rate_limit_timeout=rate_limit_timeout,
        )
        self.session = requests.Session()
        self.session.verify = validate_certs
        # As an auth hook (not a header) it also stops requests from swapping in ~/.netrc Basic auth.
        self.session.auth = self._authorize
        self.session.headers.update({"Accept": ACCEPT, "User-Agent": f"herokuops.postgres ansible-core/{ANSIBLE_VERSION}"})
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.mount(self.platform_url + READ_ONLY_POST_PREFIX,
                           HTTPAdapter(max_retries=retry.new(allowed_methods=IDEMPOTENT_METHODS | {"POST"})))

    def _authorize(self, request):
        if urlsplit(request.url).path.startswith(BASIC_AUTH_PREFIX):
            token = base64.b64encode(f":{self._api_key}".encode()).decode("ascii")
            request.headers["Authorization"] = f"Basic {token}"
        else:
            request.headers["Authorization"] = f"Bearer {self._api_key}"
        return request

    @staticmethod
    def _host_kind(path):
        return "data" if path.startswith(DATA_PATH_PREFIXES) else "platform"

    def _record(self, method, path, planned):
        record = {
            "method": method,
            "path": path.partition("?")[0],  # a query string stays out of the audit trail
            "host": self._host_kind(path),
            "status": None,
            "duration": 0.0,
            "request_id": None,
            "retries": 0,
            "planned": planned,
        }
        self.calls.append(record)
        return record

    def plan(self, method, path):
        """Record a request that check mode would have made."""
        self._record(method, path, planned=True)

    def _send(self, method, path, json=None, headers=None):
        """Make one request; return (decoded body, response) or raise HerokuAPIError."""
        record = self._record(method, path, planned=False)
        safe_path = record["path"]
        base = self.data_url if record["host"] == "data" else self.platform_url
        idempotent = method in IDEMPOTENT_METHODS or (record["host"] == "platform" and path.startswith(READ_ONLY_POST_PREFIX))
        if self._pause:
            self._sleep(self._pause)
        start = time.monotonic()
        try:
            response = self.session.request(method, base + path, json=json, headers=headers, timeout=self.request_timeout)
        except requests.RequestException as exc:
            record["duration"] = round(time.monotonic() - start, 3)
            # When retries are used up, MaxRetryError wraps the last underlying error.
            reason = (getattr(exc.args[0], "reason", None) if exc.args else None) or exc
            # A connection that could not be opened never carried the request.
            error = HerokuAPIError if idempotent or isinstance(reason, ConnectTimeoutError) else HerokuUncertainWriteError
            detail = str(reason).replace(base + path, base + safe_path)  # requests may quote the whole URL
            raise error(method, safe_path, message=f"no response ({type(reason).__name__}: {detail})") from None
        status = response.status_code
        record.update(
            status=status,
            duration=round(time.monotonic() - start, 3),
            request_id=response.headers.get("Request-Id"),
            retries=len(response.raw.retries.history) if getattr(response.raw, "retries", None) else 0,
        )
        self._note_rate_limit(response)
        try:
            body = _json(response)
        except ValueError:
            if status < 400:
                raise HerokuAPIError(method, safe_path, status, message="the response is not valid JSON",
                                     request_id=record["request_id"]) from None
            body = None
        if status >= 400:
            body = body if isinstance(body, dict) else {}
            error = HerokuUncertainWriteError if not idempotent and status in RETRY_STATUSES else HerokuAPIError
            raise error(method, safe_path, status, body.get("id"), body.get("message") or response.reason,
                        record["request_id"], body)
        return body, response

    def _note_rate_limit(self, response):
        """Below the threshold, wait before each request in proportion to the shortfall.

        At zero tokens left the pause equals Heroku's refill time per token, so this client alone
        never drains the account; other clients sharing it can, and then 429s are retried.
        """
        remaining = response.headers.get("RateLimit-Remaining", "")
        if self.rate_limit_threshold > 0 and remaining.isdigit():
            shortfall = max(0, self.rate_limit_threshold - int(remaining))
            self._pause = shortfall / self.rate_limit_threshold * SECONDS_PER_TOKEN
        else:
            self._pause = 0.0

    def request(self, method, path, json=None, headers=None):
        """Send one request and return its JSON body; headers override the session's (e.g. ATTACHMENT_INCLUSION)."""
        return self._send(method, path, json, headers)[0]

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def get_all(self, path, headers=None):
        """GET a JSON list, following Next-Range until Heroku stops sending it (200 and 206 both succeed)."""
        headers = dict(headers or {})
        items = []
        while True:
            body, response = self._send("GET", path, headers=headers)
            items.extend(body or [])
            next_range = response.headers.get("Next-Range")
            if not next_range:
                return items
            headers["Range"] = next_range

    def post(self, path, json=None, headers=None):
        return self.request("POST", path, json, headers)

    def put(self, path, json=None, headers=None):
        return self.request("PUT", path, json, headers)

    def patch(self, path, json=None, headers=None):
        return self.request("PATCH", path, json, headers)

    def delete(self, path, json=None, headers=None):
        return self.request("DELETE", path, json, headers)
