"""Where the PostgreSQL binaries of each major version live.

15 comes from Debian (/usr/lib/postgresql/15/bin); 16 from the pgserver wheel
(pgserver/pginstall/bin).  The wheel may sit where the unprivileged server
user cannot go (a venv under /root), so `relocated()` copies it to a shared
cache under /var/tmp.  Its binaries find their libraries through the RPATH
`$ORIGIN/../../../pgserver.libs` (from pginstall/bin up to site-packages), so
the copy keeps `pgserver/pginstall` and `pgserver.libs` side by side.
"""

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from .errors import PgError

DEBIAN_15 = Path("/usr/lib/postgresql/15/bin")
CACHE_ROOT = Path("/var/tmp")


def _pgserver_bindir() -> Path | None:
    spec = importlib.util.find_spec("pgserver")  # locate without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def installed() -> dict[str, Path]:
    """Major version -> bin directory, for the versions whose binaries are present."""
    candidates = {"15": DEBIAN_15, "16": _pgserver_bindir()}
    return {v: d for v, d in candidates.items() if d is not None and (d / "postgres").is_file()}


def relocated(bindir: Path) -> Path:
    """The bin directory of a world-readable copy of the pgserver install holding `bindir`.

    Made once per wheel location and version; concurrent callers (threads or
    processes) each copy into a private temporary directory and rename it into
    place, so a cache directory that exists is always complete.
    """
    package = bindir.parent.parent
    libs = package.parent / "pgserver.libs"
    if bindir != package / "pginstall" / "bin" or not libs.is_dir():
        raise PgError(f"{bindir} is not a pgserver install; cannot relocate it")
    key = f"{package}:{importlib.metadata.version('pgserver')}"
    cache = CACHE_ROOT / f"herokusim-pgbin-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if not cache.is_dir():
        tmp = Path(tempfile.mkdtemp(prefix=f".{cache.name}-", dir=CACHE_ROOT))
        try:
            shutil.copytree(package / "pginstall", tmp / "pgserver" / "pginstall", symlinks=True)
            shutil.copytree(libs, tmp / "pgserver.libs", symlinks=True)
            for path in (tmp, tmp / "pgserver"):
                os.chmod(path, 0o755)  # mkdtemp makes 0700; the server user must get in
            os.rename(tmp, cache)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not cache.is_dir():  # not just losing the race to another copier
                raise
    return cache / "pgserver" / "pginstall" / "bin"
