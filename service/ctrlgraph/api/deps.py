"""Dependencies shared by the routes: the store the app was started with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ctrlgraph.store.base import GraphStore


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


StoreDep = Annotated[GraphStore, Depends(get_store)]
