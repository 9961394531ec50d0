#!/usr/bin/env python3
"""Start and stop a Virtuoso server for ctrlgraph's tests and benchmarks.

    python3 tools/virtuoso/server.py start DIR [--http-port 8890] [--isql-port 1111] [--memory-mb 1024]
    python3 tools/virtuoso/server.py stop DIR

``start`` creates DIR with its own database (from virtuoso.ini next to this
file), on loopback only, and waits until the SPARQL endpoint answers. It
then sets up access:

* the ``dba`` password is random (written to DIR/dba-password, mode 600);
* user ``ctrlgraph`` may update (role SPARQL_UPDATE, read/write on all
  graphs), with a random password;
* the anonymous ``/sparql`` endpoint stays read-only (SPARQL user "nobody").

It writes DIR/ctrlgraph.env with the CTRLGRAPH_STORE / CTRLGRAPH_SPARQL_*
variables that point ctrlgraph at the server (``set -a; . DIR/ctrlgraph.env``).
Standard library only: CI runs it before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUFFER_BYTES = 8 * 1024  # one Virtuoso buffer is an 8 KiB page


def isql(port: int, password: str, sql: str) -> None:
    subprocess.run(
        ["isql-vt", f"127.0.0.1:{port}", "dba", password, f"exec={sql}"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )


def wait_for_sparql(url: str, seconds: float) -> None:
    query = urllib.parse.urlencode({"query": "ASK { }"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"Virtuoso did not answer at {url} within {seconds:g} s")


def start(directory: Path, http_port: int, isql_port: int, memory_mb: int) -> None:
    if not shutil.which("virtuoso-t"):
        raise SystemExit("virtuoso-t not found: apt-get install virtuoso-opensource-7-bin")
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "virtuoso.lck").exists():
        raise SystemExit(f"{directory} already has a running server (virtuoso.lck); stop it first")
    buffers = max(2000, memory_mb * 1024 * 1024 * 2 // 3 // BUFFER_BYTES)  # 2/3 of the memory for pages
    ini = (HERE / "virtuoso.ini").read_text()
    for key, value in {
        "@ISQL_PORT@": isql_port,
        "@HTTP_PORT@": http_port,
        "@BUFFERS@": buffers,
        "@DIRTY_BUFFERS@": buffers * 3 // 4,
    }.items():
        ini = ini.replace(key, str(value))
    (directory / "virtuoso.ini").write_text(ini)
    fresh = not (directory / "virtuoso.db").exists()
    dba_file = directory / "dba-password"
    dba_password = dba_file.read_text().strip() if dba_file.exists() else secrets.token_urlsafe(16)
    args = ["virtuoso-t", "+configfile", "virtuoso.ini", "+wait"]
    subprocess.run(args, cwd=directory, check=True, timeout=300, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    wait_for_sparql(base + "/sparql", 120)
    if fresh:  # a new database has dba/dba: replace it before anything else
        isql(isql_port, "dba", f"USER_SET_PASSWORD('dba', '{dba_password}');")
        dba_file.write_text(dba_password + "\n")
        dba_file.chmod(0o600)

    env_file = directory / "ctrlgraph.env"
    if fresh or not env_file.exists():
        password = secrets.token_urlsafe(16)
        isql(
            isql_port,
            dba_password,
            f"DB.DBA.USER_CREATE('ctrlgraph', '{password}'); "
            'GRANT SPARQL_SELECT TO "ctrlgraph"; GRANT SPARQL_UPDATE TO "ctrlgraph"; '
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1); "
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('ctrlgraph', 3);",
        )
        env_file.write_text(
            "CTRLGRAPH_STORE=sparql\n"
            f"CTRLGRAPH_SPARQL_QUERY_URL={base}/sparql\n"
            f"CTRLGRAPH_SPARQL_UPDATE_URL={base}/sparql-auth\n"
            f"CTRLGRAPH_SPARQL_GSP_URL={base}/sparql-graph-crud-auth\n"
            "CTRLGRAPH_SPARQL_USER=ctrlgraph\n"
            f"CTRLGRAPH_SPARQL_PASSWORD={password}\n"
            "CTRLGRAPH_SPARQL_AUTH=digest\n"
            "CTRLGRAPH_SPARQL_DIALECT=virtuoso\n"
        )
        env_file.chmod(0o600)
    print(f"Virtuoso ready: {base}/sparql (database {directory}, settings {env_file})")


def _pid(directory: Path) -> int | None:
    lock = directory / "virtuoso.lck"
    if not lock.exists():
        return None
    for line in lock.read_text().splitlines():
        if line.startswith("VIRT_PID="):
            return int(line.split("=", 1)[1])
    return None


def stop(directory: Path) -> None:
    pid = _pid(directory)
    if pid is None:
        print(f"no Virtuoso running in {directory}")
        return
    try:
        os.kill(pid, signal.SIGTERM)  # Virtuoso checkpoints and exits on SIGTERM
    except ProcessLookupError:
        (directory / "virtuoso.lck").unlink(missing_ok=True)
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    (directory / "virtuoso.lck").unlink(missing_ok=True)
    print(f"Virtuoso stopped ({directory})")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--http-port", type=int, default=8890)
    parser.add_argument("--isql-port", type=int, default=1111)
    parser.add_argument("--memory-mb", type=int, default=1024, help="page buffers get 2/3 of this")
    args = parser.parse_args(argv)
    if args.action == "start":
        start(args.directory.resolve(), args.http_port, args.isql_port, args.memory_mb)
    else:
        stop(args.directory.resolve())


if __name__ == "__main__":
    main(sys.argv[1:])
