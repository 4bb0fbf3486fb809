"""A throwaway local PostgreSQL server for tests and trying the `postgres` target.

Never a shared server: `initdb` into a fresh folder, a free port on 127.0.0.1 only,
trust authentication for local connections, no fsync (the data is disposable), stopped
and deleted by `stop()`. PostgreSQL refuses to run as root, so when this process is
root the server runs as the `postgres` system user that Debian's package creates.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

MIN_VERSION = 15
SUPERUSER = "postgres"
DEFAULT_DATABASE = "service_analytics"
# The read-only role the marts are granted to (dbt_project.yml, SERVICE_ANALYTICS_BI_ROLES).
BI_ROLE = "bi_reader"


class PostgresServerError(RuntimeError):
    """The server could not be found, started or stopped; the message says what to do."""


def find_bin_dir() -> Path:
    """The folder of `initdb`/`pg_ctl`: $PG_BIN, Debian's /usr/lib/postgresql/<v>/bin, or PATH."""
    configured = os.environ.get("PG_BIN")
    if configured:
        path = Path(configured)
        if not (path / "pg_ctl").exists():
            raise PostgresServerError(f"PG_BIN={configured} has no pg_ctl in it")
        return path
    versions: list[tuple[int, Path]] = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin"):
        if candidate.parent.name.isdigit() and (candidate / "pg_ctl").exists():
            versions.append((int(candidate.parent.name), candidate))
    if versions:
        version, path = max(versions)
        if version >= MIN_VERSION:
            return path
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresServerError(
        "no PostgreSQL server found (pg_ctl, initdb): install Debian's package "
        "(`make postgres-server`, or apt-get install postgresql) or set PG_BIN to its bin folder"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--", *command]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", " ".join(command)]


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise PostgresServerError(f"{what} failed ({result.returncode}): {detail}")


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server; `env()` gives the variables the dbt profile reads."""

    bin_dir: str
    data_dir: str
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    database: str = DEFAULT_DATABASE

    def env(self) -> dict[str, str]:
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.database,
            "PGPASSWORD": "",
        }

    def dsn(self, user: str | None = None, database: str | None = None) -> str:
        return f"host={self.host} port={self.port} user={user or self.user} dbname={database or self.database}"

    def stop(self, remove: bool = True) -> None:
        pg_ctl = str(Path(self.bin_dir) / "pg_ctl")
        if Path(self.data_dir, "postmaster.pid").exists():
            _run([pg_ctl, "stop", "-D", self.data_dir, "-m", "fast", "-w"], "pg_ctl stop")
        if remove:
            shutil.rmtree(Path(self.data_dir).parent, ignore_errors=True)

    def save(self, state_file: Path) -> None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, state_file: Path) -> PostgresServer:
        return cls(**json.loads(state_file.read_text()))


def start(port: int | None = None, database: str = DEFAULT_DATABASE, settings: dict[str, str] | None = None) -> PostgresServer:
    """initdb into a new temporary folder and start the server on a free local port."""
    bin_dir = find_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="service-analytics-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, user=SUPERUSER)
        shutil.chown(data_dir, user=SUPERUSER)
    port = port or free_port()
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            "initdb",
        )
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "timezone": "UTC",
            **(settings or {}),
        }
        option_text = " ".join(f"-c {name}={value}" for name, value in options.items())
        _run(
            [str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir), "-w", "-t", "60",
             "-l", str(root / "server.log"), "-o", option_text],
            "pg_ctl start",
        )
        server = PostgresServer(bin_dir=str(bin_dir), data_dir=str(data_dir), port=port, database=database)
        _create_database(server)
        return server
    except BaseException:
        if Path(data_dir, "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", "immediate"]),
                           capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
        raise


def _admin_connection(server: PostgresServer, wait_seconds: float = 0) -> Any:
    """An autocommit superuser connection to the `postgres` database, retried for up to
    `wait_seconds` while a just-started server still refuses connections."""
    import psycopg2

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            connection = psycopg2.connect(server.dsn(database="postgres"))
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    connection.autocommit = True
    return connection


def create_database(server: PostgresServer, name: str) -> PostgresServer:
    """A further empty database on the same server (tests keep their builds apart)."""
    connection = _admin_connection(server)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
    finally:
        connection.close()
    return replace(server, database=name)


def _create_database(server: PostgresServer) -> None:
    connection = _admin_connection(server, wait_seconds=30)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{server.database}"')
            # a login role for BI tools, with no rights of its own: dbt grants it the marts
            cursor.execute(f'create role "{BI_ROLE}" login')
    finally:
        connection.close()
