"""A response cache for reference reads, keyed by the reference graph's version.

Reference answers (frameworks, requirements, controls, shared controls,
crosswalks) change only when the reference graph is (re)loaded or a framework
is imported; every such load rewrites the meta graph. Each request takes the
meta graph's version token (reference.reference_version: asked of a remote
store every time, remembered by the embedded store until its next reference
write) and a cached answer is served only if it was computed under the same
token — so the cache never outlives the data, and replicas sharing one store
stay consistent. Organization routes, /sparql
and anything with an API key are never cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from ctrlgraph.reference import reference_version
from ctrlgraph.store.base import GraphStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CACHED_PREFIXES = (
    "/v1/frameworks",
    "/v1/requirements",
    "/v1/controls",
    "/v1/shared-controls",
    "/v1/crosswalk",
    "/v1/integration",
    "/v1/export/",
    "/v1/queries/examples",
    "/.well-known/void",
)


class ReferenceCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        get_store: Callable[[], GraphStore | None],
        size: int = 4096,
    ) -> None:
        self.app = app
        self.get_store = get_store
        self.size = size
        self.entries: OrderedDict[tuple[str, bytes, bytes], tuple[str, int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        path: str = scope["path"]
        if not path.startswith(CACHED_PREFIXES):
            return False
        query: bytes = scope.get("query_string", b"")
        if b"org=" in query:
            return False
        return not any(name in (b"authorization", b"x-api-key") for name, _ in scope.get("headers", []))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        store = self.get_store()
        if store is None or not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        accept = next((v for n, v in scope.get("headers", []) if n == b"accept"), b"")
        key = (scope["path"], scope.get("query_string", b""), accept)
        # On the embedded store the version is remembered until the next write
        # to its reference store (reference.reference_version), so it costs
        # nothing inline; on a remote store (other writers, other replicas) it
        # is read each time, a network round trip that must not hold up the
        # event loop.
        if getattr(store, "supports_graph_store_protocol", False):
            version = await anyio.to_thread.run_sync(reference_version, store)
        else:
            version = reference_version(store)
        hit = self.entries.get(key)
        if hit is not None and hit[0] == version:
            self.entries.move_to_end(key)
            _, status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict[str, Any] = {"body": bytearray(), "streaming": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
                if message.get("more_body"):
                    captured["streaming"] = True
            await send(message)

        await self.app(scope, receive, capture)
        if captured.get("status") == 200 and not captured["streaming"] and len(captured["body"]) < 5_000_000:
            self.entries[key] = (version, 200, captured["headers"], bytes(captured["body"]))
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
