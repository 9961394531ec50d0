"""Real `ctrlgraph serve` processes for the tests that need a server over a
socket (the CLI's --url, generated clients, the session's shared server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import backends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    command: list[str],
    log_path: Path,
    *,
    port: int,
    env: dict[str, str],
    cwd: Path | None = None,
    timeout: float = 120,
    ready: Callable[[httpx.Response], bool] = lambda r: r.json().get("status") == "ok",
) -> Iterator[str]:
    """Run a server process (output to ``log_path``) listening on ``port`` of the
    loopback; yield its base URL once ``ready`` accepts its /healthz answer, and
    stop it afterwards. A failure to start names the log and quotes it."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}; {log_path}:\n{log_path.read_text()}")
            try:
                if ready(httpx.get(url + "/healthz", timeout=1)):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not become healthy in {timeout:.0f} s; {log_path}:\n{log_path.read_text()}"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def ctrlgraph_serve(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> Iterator[str]:
    """`ctrlgraph serve OPTIONS` with a store of its own (on a remote backend,
    the server is wiped first) on a free loopback port; yields the base URL
    once /healthz says ok, and stops the process afterwards."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp(f"{name}-store")
    log_path = tmp_path_factory.mktemp(f"{name}-log") / "server.log"
    if backends.is_remote():
        backends.wipe()
    command = [sys.executable, "-m", "ctrlgraph", "serve", "--data-dir", str(data_dir), "--port", str(port), *options]
    with serving(command, log_path, port=port, env={**os.environ, **backends.remote_env()}) as url:
        yield url
