"""Exceptions raised by herokusim.pg."""


class PgError(RuntimeError):
    """A PostgreSQL operation failed; the message carries the relevant log lines."""


class PortInUse(PgError):
    """The postmaster could not bind its TCP port (another process took it first)."""


def tail(text: str, lines: int = 20) -> str:
    """The last lines of a log, for error messages."""
    return "\n".join(text.rstrip().splitlines()[-lines:])
