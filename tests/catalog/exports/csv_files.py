"""Reading an export's answer back: the streamed CSV text as rows of cells by column name."""

from __future__ import annotations

import csv
import io
from typing import Any


def streamed_text(response: Any) -> str:
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    assert response.streaming, "an export is streamed, never built whole"
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(streamed_text(response), newline="")))
