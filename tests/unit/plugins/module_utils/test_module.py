# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._wait import WaitTimeoutError

KEY = "top-secret-key"


def run(capsys, server, body, spec=None, wait=False, action=lambda module: module.exit()):
    """Build a HerokuModule on args, run action(module); return (exit code, JSON result)."""
    args = {"api_key": KEY, "api_url": f"http://127.0.0.1:{server.port}", "retries": 0, **body}
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        action(HerokuModule(spec or {"app": {"type": "str"}}, wait=wait))
    out = capsys.readouterr().out
    assert KEY not in out
    return exited.value.code, json.loads(out)


def test_exit_carries_the_result_and_the_audit_trail(capsys, server, heroku_env):
    server.reply(200, {"maintenance": False})

    def action(module):
        module.call("Reading", module.client.get, "/apps/sushi")
        module.result["seen"] = True
        module.exit(extra=1)

    code, result = run(capsys, server, {"app": "sushi"}, action=action)
    assert code == 0 and result["changed"] is False and result["seen"] and result["extra"] == 1
    assert [(c["method"], c["path"], c["status"], c["planned"]) for c in result["api_calls"]] == [
        ("GET", "/apps/sushi", 200, False)]


def test_write_in_check_mode_only_plans(capsys, server, heroku_env):
    def action(module):
        assert module.write("Scaling", "PATCH", "/apps/sushi/formation", {"updates": []}) is None
        module.exit()

    code, result = run(capsys, server, {"app": "sushi", "_ansible_check_mode": True}, action=action)
    assert code == 0 and result["changed"] is True and server.requests == []
    assert [(c["method"], c["planned"]) for c in result["api_calls"]] == [("PATCH", True)]


def test_write_performs_and_marks_changed(capsys, server, heroku_env):
    server.reply(200, {"maintenance": True})

    def action(module):
        module.exit(body=module.write("Turning on", "PATCH", "/apps/sushi", {"maintenance": True}))

    code, result = run(capsys, server, {"app": "sushi"}, action=action)
    assert code == 0 and result["changed"] and result["body"] == {"maintenance": True}
    assert server.requests[0]["body"] == {"maintenance": True}


def test_api_errors_become_a_sentence_and_a_failure_dict(capsys, server, heroku_env):
    server.reply(422, {"id": "invalid_params", "message": "Couldn't find that process type (nope)."})

    def action(module):
        module.write("Scaling sushi", "PATCH", "/apps/sushi/formation", {"updates": []})

    code, result = run(capsys, server, {"app": "sushi"}, action=action)
    assert code == 1 and result["failed"]
    assert result["msg"] == ("Scaling sushi failed: Heroku API call PATCH /apps/sushi/formation failed with "
                             "HTTP 422 (invalid_params): Couldn't find that process type (nope).")
    assert result["failure"]["status"] == 422 and result["failure"]["id"] == "invalid_params"
    assert result["changed"] is False and len(result["api_calls"]) == 1


@pytest.mark.parametrize("statuses, recovered, body", [
    ([503], {"id": "found"}, "found"),  # the re-read finds it: adopted, never sent again
    ([503, 201], None, "made"),         # the re-read shows it was not applied: sent again
    ([503, 503], None, None),           # still unknown after retries=1: fails, possibly changed
])
def test_an_unknown_write_outcome_is_re_read_before_it_is_sent_again(capsys, server, heroku_env, statuses, recovered,
                                                                     body):
    for status in statuses:
        server.reply(status, {"id": "made"} if status == 201 else {"id": "unavailable", "message": "Try again."})

    def action(module):
        module.exit(body=module.write("Creating", "POST", "/apps/sushi/addons", {}, recover=lambda: recovered))

    code, result = run(capsys, server, {"app": "sushi", "retries": 1}, action=action)
    assert result["changed"] is True and [r["method"] for r in server.requests] == ["POST"] * len(statuses)
    if body:
        assert code == 0 and result["body"]["id"] == body
    else:
        assert code == 1 and result["msg"].endswith("it may have been applied: re-read the state before trying again")


def test_wait_timeouts_and_refusals(capsys, server, heroku_env):
    def timeout(module):
        module.fail("Waiting for x", WaitTimeoutError("x to be ready", 5, 5.2, "creating"))

    code, result = run(capsys, server, {"app": "sushi"}, wait=True, action=timeout)
    assert code == 1 and result["msg"].startswith("Waiting for x failed: Timed out after 5s")
    assert result["failure"] == {"waiting_for": "x to be ready", "timeout": 5, "duration": 5.2, "state": "creating"}

    code, result = run(capsys, server, {"app": "sushi"}, action=lambda module: module.refuse("No."))
    assert code == 1 and result["msg"] == "No." and result["api_calls"] == [] and result["changed"] is False


def test_merges_the_wait_options_and_fails_without_a_key(capsys, server, heroku_env):
    def action(module):
        module.exit(options=sorted(k for k in module.params if k.startswith("wait")))

    code, result = run(capsys, server, {"app": "sushi"}, wait=True, action=action)
    assert code == 0 and result["options"] == ["wait", "wait_sleep", "wait_timeout"]

    with patch_module_args({"app": "sushi", "api_url": f"http://127.0.0.1:{server.port}"}), pytest.raises(SystemExit):
        HerokuModule({"app": {"type": "str"}})
    assert "No Heroku API key found" in json.loads(capsys.readouterr().out)["msg"]


def test_wait_records_each_poll_for_the_progress_line(capsys, server, heroku_env, tmp_path):
    progress_file = tmp_path / "progress.jsonl"
    values = [HerokuAPIError("GET", "/x", 503, "unavailable"), 1500, 250, 0]

    def poll():
        value = values.pop(0)
        if isinstance(value, Exception):
            raise value
        return value

    def action(module):
        waited = module.wait("Waiting", poll, lambda behind: behind <= 200, "x to be within 200 commits",
                             describe=lambda behind: f"{behind} commits behind",
                             progress=lambda behind: {"value": behind, "target": 200, "unit": "commits"})
        module.exit(polls=waited.polls)

    code, result = run(capsys, server, {"app": "sushi", "progress_file": str(progress_file), "wait_sleep": 1},
                       wait=True, action=action)
    assert code == 0 and result["polls"] == 4 and result["api_calls"] == []
    records = [json.loads(line) for line in progress_file.read_text().splitlines()]
    assert {(r["what"], r["started"]) for r in records} == {("x to be within 200 commits", records[0]["started"])}
    assert [{k: v for k, v in r.items() if k not in ("what", "started", "at")} for r in records] == [
        {"done": False},
        {"done": False, "error": "HTTP 503"},
        {"done": False, "state": "1500 commits behind", "value": 1500, "target": 200, "unit": "commits"},
        {"done": False, "state": "250 commits behind", "value": 250, "target": 200, "unit": "commits"},
        {"done": True},
    ]
    assert [r["at"] for r in records] == sorted(r["at"] for r in records)


def test_wait_without_a_progress_file_writes_nothing(capsys, server, heroku_env, tmp_path):
    def action(module):
        module.exit(value=module.wait("Waiting", lambda: 0, lambda value: True, "x").value)

    code, result = run(capsys, server, {"app": "sushi"}, wait=True, action=action)
    assert code == 0 and result["value"] == 0 and list(tmp_path.iterdir()) == []
