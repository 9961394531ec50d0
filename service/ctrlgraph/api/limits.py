"""Request limits as plain ASGI middleware, in front of every route.

* Body size: a declared Content-Length over the limit is refused with 413
  before the body is read; a body that grows past it while streaming is cut
  off with 413 too.
* Slow clients: a body that takes longer than ``body_timeout`` seconds to
  arrive is answered with 408, so a client trickling bytes cannot hold a
  worker forever.
* Rate: a token bucket per verified principal (a key that authenticated
  recently), else per client address; past it, 429 with Retry-After. A key
  is never trusted for bucketing before it verified: a fresh random key id
  per request does not escape the limit, and someone sending a victim's key
  id with a wrong secret spends their own address's tokens, not the victim's.
  Failed key checks (each costs a scrypt) have a smaller bucket per address
  of their own (:class:`TokenBuckets` in ``app.state.auth_failures``).
  The buckets live in the process: with several replicas each enforces its
  own share, which is what a DoS guard needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import threading
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


class TokenBuckets:
    """Token buckets by name: ``rate`` tokens per second, up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, who: str, take: bool = True) -> int:
        """0 if ``who`` has a token (taken when ``take``), else the seconds to wait."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[who] = (tokens, now)
                return max(1, math.ceil((1 - tokens) / self.rate))
            self._buckets[who] = (tokens - 1 if take else tokens, now)
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        return 0

    def take(self, who: str) -> None:
        """Spend a token even when none is left (the bucket goes negative)."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            self._buckets[who] = (tokens - 1, now)


class VerifiedKeys:
    """Keys that authenticated recently (by a hash of the whole key), with
    their key id: only these are bucketed by key. Bounded in size and age."""

    def __init__(self, ttl: float = 300.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._keys: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()

    def remember(self, key: str, key_id: str) -> None:
        with self._lock:
            if len(self._keys) >= self.size:
                self._keys.pop(next(iter(self._keys)))
            self._keys[self._digest(key)] = (key_id, time.monotonic() + self.ttl)

    def key_id(self, key: str) -> str | None:
        with self._lock:
            found = self._keys.get(self._digest(key))
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]


def presented_key(scope: Scope) -> str | None:
    """The key of ``Authorization: Bearer`` or ``X-API-Key``, as the auth dependency reads it."""
    headers = dict(scope.get("headers", []))
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    key = headers.get(b"x-api-key")
    return None if key is None else key.decode("latin-1")


def client_address(scope: Scope) -> str:
    client = scope.get("client") or ("?", 0)
    return str(client[0])


class RateLimitMiddleware:
    """Token bucket: ``rate`` requests per second, bursts up to ``burst``."""

    def __init__(
        self,
        app: ASGIApp,
        rate: float,
        burst: int,
        verified: VerifiedKeys | None = None,
        exempt: tuple[str, ...] = ("/healthz",),
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.exempt = exempt
        self.verified = verified or VerifiedKeys()
        self.buckets = TokenBuckets(rate, burst)

    def identity(self, scope: Scope) -> str:
        key = presented_key(scope)
        key_id = None if key is None else self.verified.key_id(key)
        if key_id is not None:
            return "key:" + key_id
        return "addr:" + client_address(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope.get("path", "") in self.exempt:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.wait(self.identity(scope))
        if wait:
            await _reply(
                send,
                429,
                f"rate limit of {self.rate:g} requests/s exceeded; retry after {wait} s",
                [(b"retry-after", str(wait).encode())],
            )
            return
        await self.app(scope, receive, send)
