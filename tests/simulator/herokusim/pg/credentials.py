"""Random names and passwords shaped like the ones Heroku Postgres hands out."""

import secrets
import string

_ALNUM = string.ascii_lowercase + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _i in range(length))


def new_user() -> str:
    return "u" + _token(12)


def new_dbname() -> str:
    return "d" + _token(12)


def new_password() -> str:
    return secrets.token_hex(32)
