"""TLS for every cluster: Heroku Postgres requires it and clients connect with sslmode=require.

One self-signed certificate per PgEnv (per simulator run), made with the openssl CLI as the
server account, whose key file PostgreSQL wants to own with mode 0600.  A server built with
OpenSSL (Debian's) does TLS itself (`ssl=on`); one built without (the pgserver wheel's)
listens on BACKEND_HOST instead and a TlsFront (tls_front.py) does TLS in its place on
127.0.0.1.  Clients that do not ask for TLS still connect in plain text, either way.
"""

import os
import ssl
from pathlib import Path

BACKEND_HOST = "127.0.0.2"  # loopback too, where no application looks for the database


class Certificate:
    def __init__(self, env, directory: Path):
        self.cert, self.key = directory / "server.crt", directory / "server.key"
        env.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-days", "3650", "-subj", "/CN=herokusim", "-keyout", str(self.key),
                 "-out", str(self.cert)], cwd=directory)
        os.chmod(self.key, 0o600)
        self._context: ssl.SSLContext | None = None

    def server_options(self) -> list[str]:
        """postgres command-line options that turn TLS on with this certificate."""
        return ["-c", "ssl=on", "-c", f"ssl_cert_file={self.cert}", "-c", f"ssl_key_file={self.key}"]

    def context(self) -> ssl.SSLContext:
        """The server-side context of a TlsFront."""
        if self._context is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert, self.key)
            self._context = context
        return self._context


def native(pg_config_configure: str) -> bool:
    """Whether a build (the output of its `pg_config --configure`) has TLS."""
    return "--with-openssl" in pg_config_configure or "--with-ssl=openssl" in pg_config_configure
