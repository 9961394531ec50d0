"""Real `ctrlgraph serve` processes for the tests that need a server over a
socket (the CLI's --url, generated clients, the session's shared server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests import backends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def ctrlgraph_serve(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> Iterator[str]:
    """`ctrlgraph serve OPTIONS` with a store of its own (on a remote backend,
    the server is wiped first) on a free loopback port; yields the base URL
    once /healthz says ok, and stops the process afterwards. Its output goes
    to a log file named in every failure."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp(f"{name}-store")
    log = (tmp_path_factory.mktemp(f"{name}-log") / "server.log").open("w")
    if backends.is_remote():
        backends.wipe()
    command = [sys.executable, "-m", "ctrlgraph", "serve", "--data-dir", str(data_dir), "--port", str(port), *options]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **backends.remote_env()}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(url + "/healthz", timeout=1).json().get("status") == "ok":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become healthy in 120 s; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
