"""Start child processes that die with the simulator, even when it is SIGKILLed.

`spawn(argv, **popen_kw)` is `subprocess.Popen` plus a parent-death signal
(Linux `PR_SET_PDEATHSIG`).  The kernel delivers that signal when the *thread*
that forked the child exits, not when the process does, so every child is
forked from one dedicated daemon thread that lives as long as the process.
Callers (typically short-lived worker threads) get the `Popen` back and wait
on it themselves.

Credential switches clear the parent-death signal, so it is armed in
`preexec_fn`, which Popen runs after applying `user=`/`group=`/`extra_groups=`:
pass those keywords instead of wrapping the command in runuser/sudo, so the
signal lands on the real program.
"""

import ctypes
import os
import queue
import signal
import subprocess
import threading
from concurrent.futures import Future

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl

_requests: "queue.SimpleQueue[tuple[Future, tuple, dict]]" = queue.SimpleQueue()
_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def _serve() -> None:
    while True:
        future, args, kwargs = _requests.get()
        try:
            future.set_result(subprocess.Popen(*args, **kwargs))
        except BaseException as exc:  # handed to the caller, the thread must survive
            future.set_exception(exc)


def _ensure_thread() -> None:
    global _thread
    with _thread_lock:
        if _thread is None:
            # A daemon thread is never joined at interpreter shutdown, so it
            # (and the children's lifeline) lasts until the process really ends.
            _thread = threading.Thread(target=_serve, name="herokusim-spawner", daemon=True)
            _thread.start()


def spawn(argv, *, death_signal: int = signal.SIGKILL, **popen_kw) -> subprocess.Popen:
    """Popen(argv, **popen_kw) whose child receives `death_signal` when the simulator dies."""
    if "preexec_fn" in popen_kw:
        raise TypeError("spawn() installs its own preexec_fn")
    parent = os.getpid()

    def arm() -> None:
        if _prctl(_PR_SET_PDEATHSIG, int(death_signal), 0, 0, 0) != 0:
            os._exit(127)
        if os.getppid() != parent:  # the simulator died before the signal was armed
            os.kill(os.getpid(), death_signal)

    _ensure_thread()
    future: Future = Future()
    _requests.put((future, (argv,), dict(popen_kw, preexec_fn=arm)))
    return future.result()
