"""Request limits as plain ASGI middleware, in front of every route.

* Body size: a declared Content-Length over the limit is refused with 413
  before the body is read; a body that grows past it while streaming is cut
  off with 413 too.
* Slow clients: a body that takes longer than ``body_timeout`` seconds to
  arrive is answered with 408, so a client trickling bytes cannot hold a
  worker forever.
* Rate: a token bucket per API key id (or per client address without a key);
  past it, 429 with Retry-After. The buckets live in the process: with several
  replicas each enforces its own share, which is what a DoS guard needs.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _reply(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitExceeded(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, f"the request body is larger than the {self.max_bytes}-byte limit")
                    return
        received = 0
        deadline = time.monotonic() + self.body_timeout
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyLimitExceeded
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyLimitExceeded:
            if not started:
                await _reply(send, 413, f"the request body is larger than the {self.max_bytes}-byte limit")
        except BodyTooSlow:
            if not started:
                await _reply(send, 408, f"the request body did not arrive within {self.body_timeout:g} s")


class RateLimitMiddleware:
    """Token bucket: ``rate`` requests per second, bursts up to ``burst``."""

    def __init__(self, app: ASGIApp, rate: float, burst: int, exempt: tuple[str, ...] = ("/healthz",)) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.exempt = exempt
        self.buckets: dict[str, tuple[float, float]] = {}

    @staticmethod
    def identity(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name in (b"authorization", b"x-api-key"):
                text = value.decode("latin-1").removeprefix("Bearer ").removeprefix("bearer ").strip()
                parts = text.split("_")
                if len(parts) >= 3 and parts[0] == "cgk":
                    return "key:" + parts[1][:32]
        client = scope.get("client") or ("?", 0)
        return "addr:" + str(client[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope.get("path", "") in self.exempt:
            await self.app(scope, receive, send)
            return
        who = self.identity(scope)
        now = time.monotonic()
        tokens, last = self.buckets.get(who, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1:
            wait = math.ceil((1 - tokens) / self.rate)
            self.buckets[who] = (tokens, now)
            await _reply(
                send,
                429,
                f"rate limit of {self.rate:g} requests/s exceeded; retry after {wait} s",
                [(b"retry-after", str(wait).encode())],
            )
            return
        self.buckets[who] = (tokens - 1, now)
        if len(self.buckets) > 100_000:  # forget idle clients rather than grow without bound
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
        await self.app(scope, receive, send)
