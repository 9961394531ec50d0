"""A read-only way into the store for a worker process (ctrlgraph.work).

Heavy work that reads the store (an admin import's checks and SHACL
validation, the start-up integrity check) runs in a bounded worker process,
which cannot share the serving process's open pyoxigraph store: opening the
live store read-only beside its writer is undefined behaviour. It reads a
checkpoint instead (``OxigraphStore.checkpoint``: hard links, cheap), or,
on a remote store, the same server over HTTP.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ctrlgraph.store.base import GraphStore
from ctrlgraph.store.oxigraph import OxigraphStore
from ctrlgraph.store.remote import RemoteConfig, RemoteStore

#: Folder, inside an embedded store's folder, of the checkpoints workers read.
CHECKPOINT_DIR = "work-checkpoints"


@dataclass(frozen=True)
class ReadableStore:
    """What a worker process opens (picklable): a checkpoint's folder or a remote server."""

    checkpoint: str | None = None
    remote: RemoteConfig | None = None

    def open(self) -> GraphStore:
        if self.checkpoint is not None:
            from pathlib import Path

            return OxigraphStore(Path(self.checkpoint), read_only=True)
        assert self.remote is not None
        return RemoteStore(self.remote)


def supported(store: GraphStore) -> bool:
    """Whether a worker can read this store (an in-memory store cannot be shared)."""
    return isinstance(store, RemoteStore) or (isinstance(store, OxigraphStore) and store.path is not None)


@contextmanager
def readable_copy(store: GraphStore) -> Iterator[ReadableStore]:
    """A ReadableStore for ``store`` as it is now, removed on leaving."""
    if isinstance(store, RemoteStore):
        yield ReadableStore(remote=store.config)
        return
    if not isinstance(store, OxigraphStore) or store.path is None:
        raise TypeError("only an on-disk embedded store or a remote store can be read by a worker")
    folder = store.path / CHECKPOINT_DIR
    folder.mkdir(exist_ok=True)
    target = folder / uuid.uuid4().hex
    try:
        store.checkpoint(target)
        yield ReadableStore(checkpoint=str(target))
    finally:
        shutil.rmtree(target, ignore_errors=True)
