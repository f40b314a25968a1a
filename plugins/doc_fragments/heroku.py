# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    # Matches heroku_argument_spec() in plugins/module_utils/_client.py.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - Heroku API key (an OAuth token, for example from C(heroku auth:token)).
      - If not set, the E(HEROKU_API_KEY) environment variable is used, then the password of the
        C(machine) entry for the platform API host in C(~/.netrc), as the Heroku CLI does. The machine
        is the host of O(api_url) with its port when that is not the default (C(api.heroku.com),
        C(localhost:5099)).
      - The key is sent as a bearer token to both API hosts.
    type: str
  api_url:
    description:
      - Base URL of the Heroku platform API.
      - If not set, derived from the E(HEROKU_HOST) environment variable as the Heroku CLI does
        (a value starting with C(http) is the full URL, otherwise V(https://api.<HEROKU_HOST>)),
        else V(https://api.heroku.com).
    type: str
  data_api_url:
    description:
      - Base URL of the Heroku data API (Heroku Postgres operations).
      - If not set, the host is E(HEROKU_DATA_HOST), E(HEROKU_POSTGRESQL_HOST) or C(api.data.heroku.com),
        and the scheme and port are those of the platform API URL, as the Heroku CLI does.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the API hosts.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for Heroku to accept a connection and to send each response.
    type: float
    default: 60
  retries:
    description:
      - How many times one request is retried, across all causes.
      - Retried are connection failures, rate limiting (HTTP 429, honouring C(Retry-After)) for every
        method, and timeouts and HTTP 500, 502, 503 and 504 for GET, HEAD, PUT, DELETE and OPTIONS.
      - A POST or PATCH that may have reached Heroku is never retried blindly; the module re-reads
        the state first.
      - A 429 does not count while O(rate_limit_timeout) lasts.
      - V(0) disables retries.
    type: int
    default: 5
  retry_backoff_max:
    description:
      - Longest pause in seconds between two retries. The first retry is immediate; later pauses
        double from 1 second up to this value.
      - A C(Retry-After) header sent by Heroku is honoured even when longer.
    type: float
    default: 30
  rate_limit_timeout:
    description:
      - How long in seconds one request keeps being retried while Heroku answers HTTP 429 (rate limit
        reached), counted from its first 429. Heroku refills about 75 tokens a minute, and every tool
        on the account draws from the same bucket, so a fleet of runs can keep it empty for a while.
      - Within this time a 429 does not use up one of the O(retries); after it, they count again.
    type: float
    default: 300
  rate_limit_threshold:
    description:
      - When Heroku reports fewer remaining rate-limit tokens than this (C(RateLimit-Remaining)),
        each further request first pauses in proportion to the shortfall, up to 0.8 seconds (the
        time Heroku takes to refill one token) when none are left.
      - V(0) disables this slowdown.
    type: int
    default: 100
requirements:
  - requests
  - urllib3 >= 2.0
seealso:
  - name: Heroku Platform API reference
    description: The API the platform operations use.
    link: https://devcenter.heroku.com/articles/platform-api-reference
"""
