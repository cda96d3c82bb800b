"""Turning a report into CSV bytes, streamed: PostgreSQL COPY, or the ORM iterator on SQLite.

Memory stays flat whatever the row count: rows pass through a ~256 KiB buffer and are yielded.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date

from django.db import connection

from .columns import PYTHON_FORMATTERS, PgCsvCell
from .definitions import Report

CHUNK_BYTES = 256 * 1024
ITERATOR_CHUNK_ROWS = 2000
UTF8_BOM = codecs.BOM_UTF8

ENCODING_UTF8 = "utf-8"
ENCODING_UTF8_BOM = "utf-8-sig"
ENCODING_CP932 = "cp932"
ENCODINGS = (ENCODING_UTF8, ENCODING_UTF8_BOM, ENCODING_CP932)

# Characters a Unix or Mac keyboard produces where Japanese Windows uses a look-alike code point
# (JIS X 0208 vs CP932 mappings): written as the CP932 character, so the text reads the same.
CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
        "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE → ∥
        "\u2212": "\uff0d",  # − MINUS SIGN → －
        "\u00a2": "\uffe0",  # ¢
        "\u00a3": "\uffe1",  # £
        "\u00ac": "\uffe2",  # ¬
        "\u2014": "\u2015",  # — EM DASH → ―
    }
)


def cp932_reference(char: str) -> str:
    """The documented replacement for a character CP932 cannot hold: its hex numeric reference.

    Reversible (nothing is lost): 𠮷 (U+20BB7) becomes "&#x20BB7;".
    """
    return f"&#x{ord(char):X};"


class TextEncoder:
    """Encodes CSV text into the chosen encoding and counts what CP932 had to replace."""

    def __init__(self, encoding: str):
        if encoding not in ENCODINGS:
            raise ValueError(encoding)
        self.encoding = encoding
        self.replaced = 0

    def preamble(self) -> bytes:
        # Excel only recognises UTF-8 from the byte-order mark.
        return UTF8_BOM if self.encoding == ENCODING_UTF8_BOM else b""

    def encode(self, text: str) -> bytes:
        if self.encoding != ENCODING_CP932:
            return text.encode("utf-8")
        text = text.translate(CP932_EQUIVALENTS)
        try:
            return text.encode("cp932")
        except UnicodeEncodeError:
            return self._encode_with_references(text)

    def _encode_with_references(self, text: str) -> bytes:
        out = bytearray()
        for char in text:
            try:
                out += char.encode("cp932")
            except UnicodeEncodeError:
                out += cp932_reference(char).encode("ascii")
                self.replaced += 1
        return bytes(out)


class CsvExport:
    """One report as CSV bytes. Iterate it once; then `row_count` and `replaced` are set.

    `on_progress(rows)` is called about every CHUNK_BYTES of output.
    """

    def __init__(
        self,
        report: Report,
        *,
        date_from: date | None,
        date_to: date | None,
        encoding: str = ENCODING_UTF8,
        japanese_header: bool = False,
        on_progress: Callable[[int], None] | None = None,
        use_copy: bool | None = None,
    ):
        self.report = report
        self.date_from = date_from
        self.date_to = date_to
        self.encoder = TextEncoder(encoding)
        self.japanese_header = japanese_header
        self.on_progress = on_progress
        self.row_count: int | None = None
        # COPY on PostgreSQL unless told otherwise (the tests compare both paths there).
        self.use_copy = connection.vendor == "postgresql" if use_copy is None else use_copy
        # COPY ends rows with LF. Python's csv module quotes a cell only for characters of its
        # line terminator, so it needs CRLF (RFC 4180) to quote a lone CR inside a cell.
        self.line_end = "\n" if self.use_copy else "\r\n"

    @property
    def replaced(self) -> int:
        return self.encoder.replaced

    def header_bytes(self) -> bytes:
        names = [c.ja if self.japanese_header else c.name for c in self.report.columns]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self.line_end).writerow(names)
        return self.encoder.preamble() + self.encoder.encode(buffer.getvalue())

    def __iter__(self) -> Iterator[bytes]:
        yield self.header_bytes()
        if self.use_copy:
            yield from self._copy_rows()
        else:
            yield from self._orm_rows()

    # --- PostgreSQL: the database writes the CSV --------------------------------------------
    def copy_sql(self) -> tuple[str, tuple]:
        """`COPY (SELECT …) TO STDOUT` with formatting and formula escaping done in SQL."""
        cells = {
            f"c{i}": PgCsvCell(column.expression(), column.kind)
            for i, column in enumerate(self.report.columns)
        }
        queryset = (
            self.report.queryset(date_from=self.date_from, date_to=self.date_to)
            .annotate(**cells)
            .values_list(*cells)
        )
        sql, params = queryset.query.sql_with_params()
        return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params

    def _copy_rows(self) -> Iterator[bytes]:
        statement, params = self.copy_sql()
        passthrough = self.encoder.encoding != ENCODING_CP932
        decoder = codecs.getincrementaldecoder("utf-8")()
        buffer = bytearray()
        rows = 0
        connection.ensure_connection()
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with cursor.copy(statement, params) as copy:
                # libpq hands over one row per block.
                for block in copy:
                    buffer += block
                    rows += 1
                    if len(buffer) >= CHUNK_BYTES:
                        yield self._out(buffer, decoder, passthrough)
                        buffer.clear()
                        if self.on_progress:
                            self.on_progress(rows)
            self.row_count = cursor.rowcount if cursor.rowcount >= 0 else rows
        if buffer:
            yield self._out(buffer, decoder, passthrough)
        tail = decoder.decode(b"", final=True)
        if tail and not passthrough:  # pragma: no cover - COPY always ends on a full row
            yield self.encoder.encode(tail)

    def _out(self, buffer: bytearray, decoder, passthrough: bool) -> bytes:
        if passthrough:
            return bytes(buffer)
        return self.encoder.encode(decoder.decode(bytes(buffer)))

    # --- SQLite (and any other database): the ORM streams, Python writes --------------------
    def _orm_rows(self) -> Iterator[bytes]:
        columns = self.report.columns
        cells = {f"c{i}": column.expression() for i, column in enumerate(columns)}
        formatters = [PYTHON_FORMATTERS[column.kind] for column in columns]
        rows = (
            self.report.queryset(date_from=self.date_from, date_to=self.date_to)
            .annotate(**cells)
            .values_list(*cells)
            .iterator(chunk_size=ITERATOR_CHUNK_ROWS)
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=self.line_end)
        count = 0
        for row in rows:
            writer.writerow([fmt(v) for fmt, v in zip(formatters, row, strict=True)])
            count += 1
            if buffer.tell() >= CHUNK_BYTES:
                yield self.encoder.encode(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
                if self.on_progress:
                    self.on_progress(count)
        if buffer.tell():
            yield self.encoder.encode(buffer.getvalue())
        self.row_count = count


def estimate_rows(
    report: Report, *, date_from: date | None, date_to: date | None, threshold: int
) -> int:
    """Rows the export will have: exact up to `threshold`, estimated above it.

    Counting stops at threshold + 1 rows, so deciding "background or not" costs the same on a
    table of millions. Above it, the planner's estimate (PostgreSQL) sizes the progress bar.
    """
    queryset = report.queryset(date_from=date_from, date_to=date_to)
    bounded = queryset.values("pk")[: threshold + 1].count()
    if bounded <= threshold:
        return bounded
    if connection.vendor == "postgresql":
        plan = json.loads(queryset.explain(format="json"))
        return max(bounded, int(plan[0]["Plan"]["Plan Rows"]))
    return queryset.count()
