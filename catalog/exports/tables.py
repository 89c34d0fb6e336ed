"""CSV tables written a row at a time, each cell guarded against formula injection (OWASP's CSV injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

Cell = str | bool | int | datetime | None

# A spreadsheet reads a cell starting with one of these as a formula (or, tab and CR, as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200  # rows joined into one piece of the streamed answer


def cell_text(value: Cell) -> str:
    """A value as the cell's text: true/false, ISO 8601 times, empty for none; a would-be formula made text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The header then the rows as CSV text (RFC 4180, CRLF), a few hundred rows a piece, never all at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell_text(value) for value in row])
        if count % ROWS_PER_CHUNK == 0:
            yield _drained(buffer)
    yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


__all__ = ["FORMULA_STARTS", "cell_text", "csv_chunks"]
