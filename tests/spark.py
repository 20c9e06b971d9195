"""Spark for the tests: a clear skip (or, in CI, a failure) when Java or pyspark is missing."""

from __future__ import annotations

import shutil

from tests.conftest import missing


def need_spark() -> None:
    reason = None
    if shutil.which("java") is None:
        reason = "Java is not installed (Spark local mode needs Java 17)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "pyspark is not installed"
    if reason:
        missing(reason)
