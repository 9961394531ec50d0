"""Reading a request body whole, or refusing it: a write must never act on a
body the server did not fully receive.

Some HTTP stacks hand the application an empty or partial body without
saying so (uvicorn's httptools parser does, for a request carrying
``Upgrade: h2c``, as Java's HttpClient sends by default; ``ctrlgraph serve``
therefore runs uvicorn's h11 implementation). So every body is checked
against what the request announced: none at all (no Content-Length and not
chunked) is 411, an empty one is 400, one shorter than its Content-Length is
400. The caller decides what the body means; nothing has changed yet.
"""

from __future__ import annotations

from fastapi import HTTPException, Request


async def read_body(request: Request, limit: int, *, what: str = "the request body") -> bytes:
    """The whole body (at most ``limit`` bytes), or an HTTPException."""
    declared_header = request.headers.get("content-length")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if declared_header is None and not chunked:
        raise HTTPException(411, f"{what} needs a Content-Length (or chunked transfer encoding); nothing was changed")
    declared = int(declared_header) if declared_header and declared_header.isdigit() else None
    if declared is not None and declared > limit:
        raise HTTPException(413, f"the body is larger than the {limit}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, f"the body is larger than the {limit}-byte limit")
    if not body:
        raise HTTPException(400, f"{what} is empty; nothing was changed")
    if declared is not None and len(body) < declared:
        raise HTTPException(
            400,
            f"{what} ended after {len(body)} of the {declared} bytes its Content-Length announced; nothing was changed",
        )
    return bytes(body)
