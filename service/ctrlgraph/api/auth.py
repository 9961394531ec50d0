"""API keys on requests: ``Authorization: Bearer <key>`` or ``X-API-Key``.

Reference data needs no key. Organization routes need a key of that
organization with the right scope (read / write), or an admin key.
Failed authentications are logged with the key id at most, never the key.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ctrlgraph.api.limits import TokenBuckets, VerifiedKeys
from ctrlgraph.evidence.tenants import Principal, authenticate, known_principal

log = logging.getLogger("ctrlgraph.auth")


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def optional_principal(request: Request) -> Principal | None:
    key = presented_key(request)
    if key is None:
        return None
    address = request.client.host if request.client else "?"
    failures: TokenBuckets | None = getattr(request.app.state, "auth_failures", None)
    # Each check costs a scrypt: an address whose keys keep failing waits
    # before another one is tried (its own budget, not the key owner's).
    wait = failures.wait(address, take=False) if failures else 0
    if wait:
        raise HTTPException(
            429,
            f"too many failed API key checks from this address; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )
    store = request.app.state.store
    # a key seen since the last tenant write needs no query and no thread; others are checked in a thread
    principal = known_principal(store, key) or await run_in_threadpool(authenticate, store, key)
    if principal is None:
        if failures:
            failures.take(address)
        key_id = key.split("_")[1] if key.count("_") >= 2 else "malformed"
        log.warning("failed authentication from %s (key id %s)", address, key_id)
        raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    verified: VerifiedKeys | None = getattr(request.app.state, "verified_keys", None)
    if verified is not None:
        verified.remember(key, principal.key_id)
    return principal


async def required_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise HTTPException(
            401, "this call needs an API key (Authorization: Bearer …)", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
RequiredPrincipal = Annotated[Principal, Depends(required_principal)]


def require(principal: Principal, scope: str, org: str | None = None) -> None:
    if not principal.may(scope, org):
        what = f"{scope} access to organization {org!r}" if org else f"{scope} access"
        raise HTTPException(403, f"this key does not grant {what}")
