"""Run a command as a child subreaper and stop whatever it leaves behind.

    python guard.py [--user NAME] -- COMMAND [ARG...]

pg_upgrade starts its temporary servers with `pg_ctl start`, which detaches
them (setsid, parent exits), so the parent-death signal that protects every
other child of the simulator never reaches them.  Under this guard -- itself
spawned with a parent-death signal of SIGTERM -- they re-parent to the guard
instead, and the guard shuts them down when the command ends or when the
simulator dies.  Stdlib only: it runs as a plain script, not from the package.
"""

import ctypes
import os
import pwd
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _children() -> list[int]:
    me, pids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                pids.append(int(entry))
    return pids


def _reap_all(grace: float = 5.0) -> None:
    """SIGQUIT (a postmaster's immediate shutdown) every child, SIGKILL after `grace`."""
    deadline = time.monotonic() + grace
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        sig = signal.SIGQUIT if time.monotonic() < deadline else signal.SIGKILL
        for pid in _children():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    user_kw = {}
    if argv[:1] == ["--user"]:
        account = pwd.getpwnam(argv[1])
        user_kw = dict(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        argv = argv[2:]
    if argv[:1] != ["--"] or len(argv) < 2:
        sys.exit(__doc__)
    if _prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("guard: PR_SET_CHILD_SUBREAPER failed")
    signal.signal(signal.SIGTERM, _terminated)
    child = None
    try:
        child = subprocess.Popen(
            argv[1:],
            preexec_fn=lambda: _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0),
            **user_kw,
        )
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if child is not None and child.poll() is None:
            child.kill()
        _reap_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
