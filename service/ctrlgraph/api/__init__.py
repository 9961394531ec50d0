"""The HTTP service (FastAPI): /sparql, /v1 and /healthz."""
