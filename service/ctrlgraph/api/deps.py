"""Dependencies shared by the routes: the store the app was started with,
and parameter types."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BeforeValidator

from ctrlgraph.store.base import GraphStore


async def get_store(request: Request) -> GraphStore:
    # async: a plain def dependency costs a trip through the thread pool on
    # every request (about 0.3 ms at full scale, bench/README.md)
    store: GraphStore = request.app.state.store
    return store


StoreDep = Annotated[GraphStore, Depends(get_store)]


def _iso_date(value: object) -> object:
    # pydantic reads a number (as_of=0) as a Unix timestamp: 1970-01-01 is never what a caller means.
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    if isinstance(value, date):
        return value
    raise ValueError("a date reads YYYY-MM-DD")


#: A calendar date written YYYY-MM-DD (no timestamps).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
