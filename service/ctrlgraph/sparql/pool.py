"""A pool of query worker processes. A query past its time limit is stopped by
killing its worker (SIGKILL) and a fresh worker takes its place, so a runaway
query costs nothing after its deadline and the server stays responsive.

How workers share the store with the writer (the serving process): never by
opening the live store read-only beside it, which pyoxigraph documents as
undefined behaviour (and which replayed an ever-growing write-ahead log on
every reopen: +490 MB per 9.7 MB upload, until queries timed out). After a
write, the first query makes a checkpoint of the store (``Store.backup``:
hard links to the immutable table files, the memtable flushed first) and
workers open that checkpoint read-only, which pyoxigraph supports. A
checkpoint is deleted once no worker has it open.

Each worker runs under an address-space limit (``query_memory_mb``): a query
that needs more fails alone (422 naming the bound) and its worker is replaced.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import shutil
import threading
import time
from pathlib import Path

import pyoxigraph as ox
from anyio import to_thread

from ctrlgraph.procpool import KillablePool, Worker
from ctrlgraph.sparql import worker
from ctrlgraph.sparql.worker import QueryAnswer, QueryJob, error
from ctrlgraph.store.base import QueryTimeout, StoreError

log = logging.getLogger(__name__)


class PoolBusy(StoreError):
    """Every worker stayed busy for the whole time limit."""


class QueryPool(KillablePool):
    def __init__(self, store: ox.Store, snapshot_dir: Path, size: int = 2, *, memory_mb: int = 0) -> None:
        self.store = store
        self.snapshot_dir = snapshot_dir
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._snapshot: tuple[int, Path] | None = None
        self._serial = 0
        shutil.rmtree(snapshot_dir, ignore_errors=True)  # left by a server that was killed
        snapshot_dir.mkdir(parents=True)
        super().__init__(size, worker.serve, (memory_mb,))

    def checkpoint(self, generation: int) -> Path:
        """The checkpoint holding the store as of ``generation`` (made on first
        need: a burst of writes costs one checkpoint), old ones dropped."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot[0] == generation:
            return snapshot[1]  # the usual case: no lock, no disk
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != generation:
                self._serial += 1
                path = self.snapshot_dir / f"{self._serial}-g{generation}"
                self.store.backup(str(path))
                self._snapshot = (generation, path)
            self._drop_unused()
            return self._snapshot[1]

    def _drop_unused(self) -> None:
        """Delete the checkpoints no worker has open (the current one stays)."""
        in_use = {w.opened for w in self.workers()} | {self._snapshot[1] if self._snapshot else None}
        for old in self.snapshot_dir.iterdir():
            if old not in in_use:
                shutil.rmtree(old, ignore_errors=True)

    def _dispatch(self, w: Worker, job: QueryJob) -> None:
        """Send the job to worker ``w``, naming the store it runs on: an
        organization's view (``job.store_path``, immutable) as is, the
        reference store as the checkpoint of the job's generation."""
        path = None if job.store_path is not None else self.checkpoint(job.generation)
        if path is not None and w.opened != path:
            previous, w.opened = w.opened, path
            if previous is not None:  # the worker lets go of an older checkpoint: delete it if no one else has it
                with self._lock:
                    self._drop_unused()
        w.conn.send((job, None if path is None else str(path)))

    def _current(self, job: QueryJob) -> bool:
        """Whether the job can start without store work: an organization's
        view, or the checkpoint of its generation already made."""
        snapshot = self._snapshot
        return job.store_path is not None or (snapshot is not None and snapshot[0] == job.generation)

    async def run_async(self, job: QueryJob, timeout: float) -> QueryAnswer:
        """:meth:`run` for the event loop: the loop itself waits on the
        worker's pipe, which saves two thread hand-offs per query (about
        0.2 ms of a 2 ms point query; bench/README.md). Whatever could block
        the loop (no idle worker, a checkpoint to make, a very long query
        text, a worker to kill) goes through a thread as before."""
        if len(job.query) > 60_000 or not self._current(job):
            return await to_thread.run_sync(self.run, job, timeout)
        try:
            w = self._take_nowait()
        except queue.Empty:
            return await to_thread.run_sync(self.run, job, timeout)
        deadline = time.monotonic() + timeout
        try:
            self._dispatch(w, job)
            if await self._readable(w, max(0.0, deadline - time.monotonic())):
                answer: QueryAnswer = w.conn.recv()
                self._give_back(w)
                return answer
        except (EOFError, OSError, BrokenPipeError) as exc:
            return await to_thread.run_sync(self._died, w, exc)
        except asyncio.CancelledError:
            # The request was dropped mid-query: the worker is still busy with
            # it and must not take the next job; replace it off the event loop.
            threading.Thread(target=self._replace, args=(w,), daemon=True).start()
            raise
        except BaseException:
            self._give_back(w)
            raise
        await to_thread.run_sync(self._replace, w)
        raise QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was stopped")

    @staticmethod
    async def _readable(w: Worker, timeout: float) -> bool:
        """Wait until the worker answers (or its pipe closes), at most ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = w.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(fd)
            # uvloop (libuv) makes a polled descriptor non-blocking; the pipe's
            # recv() of a large answer needs it blocking again
            os.set_blocking(fd, True)

    def _died(self, w: Worker, exc: BaseException) -> QueryAnswer:
        """A worker's pipe broke mid-query: replace the worker; an answer
        naming the memory bound if it ran out of memory, an error otherwise."""
        w.process.join(timeout=2)
        code = w.process.exitcode
        log.warning("query worker died (exit code %s): %s", code, exc)
        self._replace(w)
        if self.memory_mb and code in (-6, -9, 134, 137):  # aborted on a failed allocation, or OOM-killed
            return error(
                422,
                f"the query needed more than the {self.memory_mb} MiB a query worker may use"
                " (bound query_memory_mb, setting CTRLGRAPH_QUERY_MEMORY_MB): narrow the query",
            )
        raise StoreError("the query worker stopped unexpectedly; the query was not answered") from exc

    def run(self, job: QueryJob, timeout: float) -> QueryAnswer:
        deadline = time.monotonic() + timeout
        try:
            w = self._take(timeout)
        except queue.Empty as exc:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {timeout:g} s") from exc
        try:
            self._dispatch(w, job)
            remaining = max(0.0, deadline - time.monotonic())
            if w.conn.poll(remaining):
                answer: QueryAnswer = w.conn.recv()
                self._give_back(w)
                return answer
        except (EOFError, OSError, BrokenPipeError) as exc:
            return self._died(w, exc)
        except BaseException:
            self._give_back(w)
            raise
        # Deadline passed: stop the query for real, then replace the worker.
        self._replace(w)
        raise QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was stopped")

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.snapshot_dir, ignore_errors=True)
