"""HTTP conveniences every client expects of the service, as ASGI middleware:

* ``HEAD`` on every ``GET`` route: the same status and headers, no body;
* ``format=`` on /sparql and /.well-known/void for clients that cannot set
  Accept (``pandas.read_csv(url)``, a link in a browser): it replaces the
  Accept header, and an unknown value is a 400 naming the parameter.

gzip (Starlette's GZipMiddleware) and CORS (CORSMiddleware, ``--cors-origin``)
are configured in app.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: format= values and the Accept header each stands for. Where one name fits
#: both a solution and a graph result, both types are given.
FORMAT_ACCEPT = {
    "json": "application/sparql-results+json, application/ld+json;q=0.9",
    "xml": "application/sparql-results+xml, application/rdf+xml;q=0.9",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "trig": "application/trig",
}
FORMAT_PATHS = ("/sparql", "/.well-known/void")


class HeadMiddleware:
    """Answer HEAD as the GET would, without the body (RFC 9110 9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class FormatParameterMiddleware:
    """``?format=csv`` on the SPARQL endpoint and VoID: sets Accept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in FORMAT_PATHS or b"format=" not in scope["query_string"]:
            await self.app(scope, receive, send)
            return
        values = parse_qs(scope["query_string"].decode("latin-1")).get("format", [])
        if not values:
            await self.app(scope, receive, send)
            return
        value = values[-1].strip().lower()
        accept = FORMAT_ACCEPT.get(value) or (value if "/" in value else None)
        if accept is None:
            body = (
                f"unknown value {values[-1]!r} for the 'format' parameter; use one of "
                + ", ".join(FORMAT_ACCEPT)
                + " or a media type\n"
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", b"%d" % len(body)),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        headers = [(n, v) for n, v in scope["headers"] if n != b"accept"] + [(b"accept", accept.encode("latin-1"))]
        await self.app({**scope, "headers": headers}, receive, send)
