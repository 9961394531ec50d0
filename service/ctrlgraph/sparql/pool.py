"""A pool of query worker processes. A query past its time limit is stopped by
killing its worker (SIGKILL) and a fresh worker takes its place, so a runaway
query costs nothing after its deadline and the server stays responsive."""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ctrlgraph.sparql import worker
from ctrlgraph.sparql.worker import QueryAnswer, QueryJob
from ctrlgraph.store.base import QueryTimeout, StoreError

log = logging.getLogger(__name__)
_CONTEXT = mp.get_context("spawn")  # never fork a process that holds RocksDB threads


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection


class PoolBusy(StoreError):
    """Every worker stayed busy for the whole time limit."""


class QueryPool:
    def __init__(self, store_path: str, size: int = 2) -> None:
        self.store_path = store_path
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=worker.serve, args=(child, self.store_path), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    @staticmethod
    def _kill(w: _Worker) -> None:
        try:
            w.process.kill()
            w.process.join(timeout=5)
        finally:
            w.conn.close()

    def run(self, job: QueryJob, timeout: float) -> QueryAnswer:
        deadline = time.monotonic() + timeout
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty as exc:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {timeout:g} s") from exc
        try:
            w.conn.send(job)
            remaining = max(0.0, deadline - time.monotonic())
            if w.conn.poll(remaining):
                answer: QueryAnswer = w.conn.recv()
                self._idle.put(w)
                return answer
        except (EOFError, OSError, BrokenPipeError) as exc:
            log.warning("query worker died: %s", exc)
            self._kill(w)
            self._idle.put(self._spawn())
            raise StoreError("the query worker stopped unexpectedly; the query was not answered") from exc
        # Deadline passed: stop the query for real, then replace the worker.
        self._kill(w)
        if not self._closed:
            self._idle.put(self._spawn())
        raise QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was stopped")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                w.conn.send(None)
            except OSError:
                pass
            self._kill(w)
