# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
import yaml

from ansible_collections.herokuops.postgres.plugins.doc_fragments.wait import ModuleDocFragment
from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError
from ansible_collections.herokuops.postgres.plugins.module_utils._wait import (
    WaitTimeoutError,
    wait_argument_spec,
    wait_for,
)


class FakeTime:
    """A monotonic clock that only moves when slept on (plus a cost per poll)."""

    def __init__(self, poll_cost=0.0):
        self.now = 100.0
        self.sleeps = []
        self.poll_cost = poll_cost

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def poller(fake, results):
    """poll() returning (or raising) each result in turn."""
    results = list(results)

    def poll():
        fake.now += fake.poll_cost
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result
    return poll


def waiting(message):
    return {"waiting?": True, "message": message}


DONE = {"waiting?": False, "message": "available"}


def run(fake, results, timeout=3600, **kwargs):
    return wait_for(poller(fake, results), lambda v: not v["waiting?"], "database DATABASE to be available",
                    timeout, clock=fake.clock, sleep=fake.sleep, **kwargs)


def test_immediately_ready_does_not_sleep():
    fake = FakeTime()
    waited = run(fake, [DONE])
    assert waited == (DONE, 0.0, 1)
    assert fake.sleeps == []


def test_pauses_are_a_quarter_of_the_time_waited_from_half_a_second_to_the_maximum():
    fake = FakeTime()
    waited = run(fake, [waiting("pending")] * 22 + [DONE], max_sleep=10)
    assert fake.sleeps == [0.5, 0.5, 0.5, 0.5, 0.5, 0.62, 0.78, 0.98, 1.22, 1.53, 1.91, 2.39, 2.98, 3.73, 4.66, 5.83,
                           7.28, 9.1, 10, 10, 10, 10]
    assert waited.value == DONE
    assert waited.duration == pytest.approx(85.51)
    assert waited.polls == 23


def test_a_wait_ends_at_most_a_quarter_after_what_it_awaits():
    fake = FakeTime()
    ready_at = 4.34
    waited = wait_for(lambda: fake.now - 100 >= ready_at, bool, "the upgrade", 3600, max_sleep=5,
                      clock=fake.clock, sleep=fake.sleep)
    assert ready_at <= waited.duration <= ready_at * 1.25 + 0.5


def test_max_sleep_below_one_second_counts_as_one():
    fake = FakeTime()
    run(fake, [waiting("p")] * 12 + [DONE], max_sleep=0)
    assert max(fake.sleeps) == 1


def test_timeout_names_what_and_the_last_state():
    fake = FakeTime()
    with pytest.raises(WaitTimeoutError) as caught:
        run(fake, [waiting("pending")] * 3 + [waiting("catching up")] * 20, timeout=20, max_sleep=5,
            describe=lambda v: v["message"])
    # the last pause is cut short so that the final poll happens at the deadline
    assert fake.sleeps[-1] < fake.sleeps[-2] and sum(fake.sleeps) == pytest.approx(20)
    error = caught.value
    assert error.state == "catching up"
    assert error.duration == 20
    assert str(error) == ("Timed out after 20s (wait_timeout=20) waiting for database DATABASE to be available; "
                          "last observed state: catching up")


def test_user_timeout_has_no_hidden_cap():
    fake = FakeTime()
    waited = run(fake, [waiting("x")] * 400 + [DONE], timeout=86400, max_sleep=60)
    assert waited.polls == 401
    assert waited.duration > 3600


def test_zero_timeout_polls_once():
    fake = FakeTime()
    with pytest.raises(WaitTimeoutError):
        run(fake, [waiting("x")], timeout=0)
    assert fake.sleeps == []


def test_time_spent_polling_counts_against_the_timeout():
    fake = FakeTime(poll_cost=4)
    with pytest.raises(WaitTimeoutError):
        run(fake, [waiting("x")] * 10, timeout=10)
    assert fake.sleeps == [1, 1]  # polls at 4, 9 (then sleep the remaining 1), 14 > deadline


def test_transient_errors_are_polled_through():
    fake = FakeTime()
    results = [HerokuAPIError("GET", "/w", 503), waiting("x"), HerokuAPIError("GET", "/w", 429),
               HerokuAPIError("GET", "/w", None, message="no response"), DONE]
    waited = run(fake, results)
    assert waited.value == DONE
    assert waited.polls == 5


def test_too_many_consecutive_transient_errors_raise_the_last():
    fake = FakeTime()
    errors = [HerokuAPIError("GET", f"/w/{n}", 502) for n in range(4)]
    with pytest.raises(HerokuAPIError) as caught:
        run(fake, errors, max_transient_errors=3)
    assert caught.value is errors[3]
    assert len(fake.sleeps) == 3


def test_other_api_errors_raise_at_once():
    fake = FakeTime()
    error = HerokuAPIError("GET", "/w", 404, "not_found", "gone")
    with pytest.raises(HerokuAPIError) as caught:
        run(fake, [error, DONE])
    assert caught.value is error
    assert fake.sleeps == []


def test_timeout_after_errors_mentions_the_failed_poll():
    fake = FakeTime()
    with pytest.raises(WaitTimeoutError) as caught:
        run(fake, [waiting("x"), waiting("x"), HerokuAPIError("GET", "/w", 503, message="down")], timeout=1)
    assert "last observed state: {'waiting?': True, 'message': 'x'}" in str(caught.value)
    assert str(caught.value).endswith("the last poll failed: Heroku API call GET /w failed with HTTP 503: down")


def test_terminal_states_are_raised_by_the_caller():
    fake = FakeTime()

    def ready(value):
        if value.get("error?"):
            raise RuntimeError(value["message"])
        return not value["waiting?"]

    with pytest.raises(RuntimeError, match="boom"):
        wait_for(poller(fake, [{"waiting?": True, "error?": True, "message": "boom"}]), ready, "db", 60,
                 clock=fake.clock, sleep=fake.sleep)


def test_argument_spec_matches_doc_fragment():
    spec = wait_argument_spec()
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(spec) == set(options)
    for name, arg in spec.items():
        assert (arg["type"], arg.get("default")) == (options[name]["type"], options[name].get("default")), name
    assert all(isinstance(line, str) for option in options.values() for line in option["description"])
