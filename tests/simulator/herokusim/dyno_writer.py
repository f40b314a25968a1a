"""The dyno process: a tiny client that really writes to ``DATABASE_URL``.

Run by :class:`herokusim.dynos.DynoSupervisor` as::

    python -m herokusim.dyno_writer --dyno web.1 --prefix 7 --interval 0.05 \\
        --ledger DIR/7.web.1.ledger --ready DIR/7.web.1.ready \\
        [--router-flag APPDIR/router_closed] [--parent-pid PID]

``DATABASE_URL`` comes from the environment only (never argv, which any user
can read with ``ps``), and it is never printed: error messages are scrubbed
of the password before they are logged.

Behaviour, at a steady rate of one attempt per ``--interval`` seconds:

* attempt ``n`` inserts row ``id = prefix * 1_000_000_000 + n`` into
  ``sim_writes`` with an autocommit ``INSERT`` (so ``execute()`` returning is
  the server acknowledging the commit).  The counter advances on every
  attempt, so a write whose outcome is unknown (connection lost during the
  commit) is never retried under the same id and never recorded;
* only after the acknowledgement the line ``id<TAB>unix_time`` is appended to
  the ledger with a single unbuffered ``os.write`` on an ``O_APPEND`` file,
  so the entry is in the kernel before the next attempt and survives SIGKILL
  of the dyno;
* any failure (no ``DATABASE_URL``, connection refused, authentication
  failure, read-only follower / database in recovery, …) is logged once per
  distinct message and retried at the same rate on a new connection, without
  ever exiting;
  a missing table is created with ``CREATE TABLE IF NOT EXISTS`` (only when the
  insert says the table is missing, so a role without CREATE privilege can
  still write to an existing table);
* with ``--router-flag``, the dyno is a ``web`` dyno behind the router: while
  that file exists (maintenance mode) the dyno makes no write at all.  The
  flag is checked before every attempt, so it takes effect within one
  interval (plus a write that was already in flight).

Lifetime: SIGTERM/SIGINT end the process at once (``os._exit``) unless it is
between an acknowledgement and its ledger line, in which case it finishes
that line first.  A watchdog thread checks every 0.1 s that the parent
(``--parent-pid``, the supervisor) is still the parent and exits otherwise, so
a dyno never outlives a supervisor that was SIGKILLed, whichever thread of the
supervisor spawned it.  (``PR_SET_PDEATHSIG`` is deliberately not set here: it
fires when the *thread* that forked the child exits, which would kill dynos
spawned from short-lived request threads; a spawner that forks from one
long-lived thread may add it in ``preexec_fn``.)
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time

ID_BASE = 1_000_000_000
TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS sim_writes ("
    "id bigint PRIMARY KEY, dyno text NOT NULL, "
    "at timestamptz NOT NULL DEFAULT now())"
)
INSERT_SQL = "INSERT INTO sim_writes (id, dyno) VALUES (%s, %s)"

_critical = False  # True between an acknowledgement and its ledger line
_stop_requested = False


def _on_stop_signal(signum, frame):  # noqa: ARG001
    global _stop_requested
    _stop_requested = True
    if not _critical:
        os._exit(0)


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.1)


class _Scrubber:
    """Removes the DATABASE_URL password (raw and decoded) from messages."""

    _userinfo = re.compile(r"(://[^:/@\s]*):[^@\s]*@")

    def __init__(self, url: str | None):
        self.secrets: list[str] = []
        if not url:
            return
        m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:([^@/]*)@", url)
        if m and m.group(1):
            self.secrets.append(m.group(1))
        try:
            from psycopg.conninfo import conninfo_to_dict

            pw = conninfo_to_dict(url).get("password")
            if pw:
                self.secrets.append(str(pw))
        except Exception:
            pass
        self.secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return self._userinfo.sub(r"\1:***@", text)


def _log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    try:
        os.write(2, f"{stamp} {msg}\n".encode("utf-8", "replace"))
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    global _critical
    p = argparse.ArgumentParser(prog="herokusim.dyno_writer")
    p.add_argument("--dyno", required=True)
    p.add_argument("--prefix", type=int, required=True)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--ledger", required=True)
    p.add_argument("--ready")
    p.add_argument("--router-flag")
    p.add_argument("--parent-pid", type=int)
    args = p.parse_args(argv)

    signal.signal(signal.SIGTERM, _on_stop_signal)
    signal.signal(signal.SIGINT, _on_stop_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    if args.parent_pid is not None:
        # Closes the race where the parent died before the watchdog started.
        if os.getppid() != args.parent_pid:
            return 0
        threading.Thread(target=_watch_parent, args=(args.parent_pid,), daemon=True).start()

    import psycopg  # after the signal handlers: the import takes a while

    url = os.environ.get("DATABASE_URL") or None
    scrub = _Scrubber(url)
    ledger_fd = os.open(args.ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(args.ready + ".tmp", args.ready)
    _log(f"dyno {args.dyno} starting (prefix {args.prefix}, interval {args.interval}s)")

    interval = max(args.interval, 0.001)
    counter = 0
    conn = None
    last_error: str | None = None
    failures = 0
    paused = False
    next_at = time.monotonic()

    def fail(text: str) -> None:
        nonlocal last_error, failures
        failures += 1
        text = scrub(" ".join(text.split()))
        if text != last_error:
            _log(f"write failed ({failures} so far), retrying: {text}")
            last_error = text

    while not _stop_requested:
        now = time.monotonic()
        if next_at > now:
            time.sleep(next_at - now)
        # Steady rate without bursts: when behind (slow connect), restart the
        # schedule from now instead of catching up.
        next_at = max(next_at + interval, time.monotonic())

        if args.router_flag and os.path.exists(args.router_flag):
            if not paused:
                _log("router closed (maintenance mode): not serving requests")
                paused = True
            continue
        if paused:
            _log("router open: serving requests")
            paused = False

        if url is None:
            fail("DATABASE_URL is not set")
            continue
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(
                    url,
                    autocommit=True,
                    connect_timeout=2,
                    application_name=f"herokusim dyno {args.dyno}"[:63],
                )
            counter += 1
            wid = args.prefix * ID_BASE + counter
            try:
                conn.execute(INSERT_SQL, (wid, args.dyno))
            except psycopg.errors.UndefinedTable:
                conn.execute(TABLE_DDL)
                counter += 1
                wid = args.prefix * ID_BASE + counter
                conn.execute(INSERT_SQL, (wid, args.dyno))
            # Acknowledged: record it before anything else can happen.
            _critical = True
            os.write(ledger_fd, f"{wid}\t{time.time():.6f}\n".encode())
            _critical = False
            if last_error is not None:
                _log(f"writing again after {failures} failed attempts")
                last_error = None
                failures = 0
        except Exception as e:  # never crash: log, reconnect if needed, retry
            _critical = False
            fail(f"{type(e).__name__}: {e}")
            # Reconnect on the next attempt: the session may be stuck in a
            # state a new one would not have (read-only default, dead server).
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
