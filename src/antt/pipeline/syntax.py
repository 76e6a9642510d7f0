"""Python's ``ast`` parser, safe to call from the runner's threads.

CPython 3.11 keeps the AST constructor's recursion depth in state shared by every thread of the
interpreter, so two threads building ASTs at once can fail with "SystemError: AST constructor
recursion depth mismatch" (python/cpython#106905). In the runner one job's thread reads its kernel's
report with ``ast.literal_eval`` while another job's thread parses modules for its cache key; the
race failed a ``make test`` once. Every AST the pipeline builds goes through one lock.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)`` under the lock (raises SyntaxError as it does)."""
    with _LOCK:
        return ast.parse(source)


def literal(text: str) -> Any:
    """``ast.literal_eval(text)`` under the lock: the value of a Python literal written as text."""
    with _LOCK:
        return ast.literal_eval(text)
