"""Checks of our own for the schemathesis run in tests/test_fuzz.py (loaded
through SCHEMATHESIS_HOOKS): an error answer is never a stack trace and never
empty, whatever schemathesis sends."""

from __future__ import annotations

import schemathesis


@schemathesis.check
def no_stack_trace_or_empty_error(ctx, response, case) -> bool | None:  # type: ignore[no-untyped-def]
    text = response.content.decode("utf-8", "replace")
    if "Traceback" in text:
        raise AssertionError(f"a stack trace in the answer to {case.method} {case.formatted_path}")
    if response.status_code >= 400 and not text.strip():
        raise AssertionError(f"an empty {response.status_code} answer to {case.method} {case.formatted_path}")
    return None
