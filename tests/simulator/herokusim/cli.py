"""`herokusim serve --port PORT --data-dir DIR [--fixture FILE]`."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="herokusim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the Platform API and the data API")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--data-dir", type=Path, required=True,
                     help="where clusters and dyno ledgers live (reachable by the postgres user)")
    run.add_argument("--fixture", type=Path, help="YAML scenario to load at start")
    run.add_argument("--template-cache", type=Path,
                     help="share initdb templates between runs in this directory (keyed by binaries)")
    run.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    return serve(args.port, args.data_dir, args.fixture, args.template_cache)


if __name__ == "__main__":
    sys.exit(main())
