"""The official Heroku CLI's data:pg:* commands against the simulator: create an Advanced database,
read it, wait for it, and migrate a classic database onto it through data:pg:migrate's prompts
(driven through a pseudo-terminal, as a user types), then pg:promote it."""
from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

from herokusim.testing import scenario
from conftest import HEROKU

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ENTER, DOWN, UP = "\r", "\x1b[B", "\x1b[A"   # UP from the first choice wraps around to the last: Exit


def prompts(heroku, args: list[str], answers: list[tuple[str, str]], timeout: float = 60) -> str:
    """Run the CLI on a pseudo-terminal; at each prompt (the text it shows), type the keys."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(HEROKU), *args], stdin=follower, stdout=follower, stderr=follower,
                            env={**heroku.env, "TERM": "xterm", "COLUMNS": "200"}, close_fds=True)
    os.close(follower)
    shown, seen = "", 0
    try:
        for text, keys in answers:
            deadline = time.monotonic() + timeout
            while text not in shown[seen:]:
                assert time.monotonic() < deadline and proc.poll() is None, f"no prompt {text!r} in:\n{shown}"
                shown += _read(leader)
            seen = len(shown)
            time.sleep(0.2)   # inquirer listens for keys once it has drawn the prompt
            os.write(leader, keys.encode())
        assert proc.wait(timeout) == 0, shown
        while chunk := _read(leader):
            shown += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    return shown


def _read(fd: int) -> str:
    """What the terminal shows within 0.2 s; nothing once the CLI closed it."""
    try:
        return ANSI.sub("", os.read(fd, 65536).decode(errors="replace")) if select.select([fd], [], [], 0.2)[0] else ""
    except OSError:
        return ""


def test_create_info_wait_migrate_promote(start_simulator, heroku_for):
    sim = start_simulator(scenario(apps=[{"name": "sushi"}], databases=[
        {"addon": "postgresql-lavender-12345", "app": "sushi", "plan": "standard-0", "version": "15",
         "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"], "seed_rows": 1000}]))
    heroku = heroku_for(sim)
    out = heroku("data:pg:create", "--level", "4G-Performance", "-a", "sushi", "--confirm", "sushi")
    target = next(a for a in sim.get("/apps/sushi/addons").json() if a["plan"]["name"] == "heroku-postgresql:advanced")
    assert f"heroku data:pg:info {target['name']} -a sushi" in out
    assert "is available" in heroku("data:pg:wait", target["name"], "-a", "sushi", "--wait-interval", "1", "--no-notify")
    out = heroku("data:pg:info", target["name"], "-a", "sushi")
    assert re.search(r"Plan:\s+Advanced", out) and re.search(r"Status:\s+Available", out), out
    assert re.search(r"PG Version:\s+16", out) and "Leader pool" in out and "2 instances of 4G-Performance (HA)" in out

    out = prompts(heroku, ["data:pg:migrate", "-a", "sushi"], [
        ("What do you want to do?", ENTER),                 # Configure a database migration
        ("Select the source database:", ENTER),             # the only classic database
        ("Select the destination database:", ENTER),        # the Advanced one
        ("Select the migration method:", DOWN + ENTER),     # Streaming
        ("Confirm migration configuration:", ENTER),
        ("What do you want to do?", UP + ENTER)])           # Exit
    assert "You haven't configured any migrations for sushi yet." in out
    migration = sim.get(f"/data/postgres/v1/{target['id']}/migrations").json()
    assert migration["source_id"] == sim.get("/addons/postgresql-lavender-12345").json()["id"]
    assert migration["target_id"] == target["id"] and migration["status"] in ("preparing", "ready")
    sim.wait_for(lambda: sim.get(f"/data/postgres/v1/{target['id']}/migrations").json()["status"] == "ready",
                 timeout=60, what="the migration ready")

    out = prompts(heroku, ["data:pg:migrate", "-a", "sushi"], [
        ("What do you want to do?", ENTER),                 # Start a migration (configuring: none pending)
        ("Select the migration to start:", ENTER),
        ("Confirm to start migration:", ENTER),
        ("What do you want to do?", UP + ENTER)])
    assert re.search(rf"postgresql-lavender-12345\s+{target['name']}\s+Ready", out), out
    assert "You can't cancel the migration after starting it." in out
    heroku("data:pg:wait", target["name"], "-a", "sushi", "--wait-interval", "1", "--no-notify")
    assert sim.get(f"/data/postgres/v1/{target['id']}/migrations").json()["status"] == "completed"

    heroku("pg:promote", target["name"], "-a", "sushi")
    config = sim.get("/apps/sushi/config-vars").json()
    assert config["DATABASE_URL"] == sim.admin("GET", f"/databases/{target['name']}").json()["url"]
