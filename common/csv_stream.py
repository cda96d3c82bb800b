"""The project's one CSV streamer: rows of a queryset as CSV bytes, in flat memory.

On PostgreSQL the database writes the CSV (`COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`, the
formatting and the formula guard done in SQL): it runs near psql's own `\\copy`. Elsewhere
(SQLite for `make run`) the ORM iterator and Python's csv module write the same cells.

Progress: `on_progress(rows)` is called between chunks. While COPY runs its connection is busy
(psycopg holds the connection's lock until the COPY ends), so the callback must not query
through it: record the number and write it from another connection (see
privacyoffice.reports.progress), never an ORM call on this thread's connection.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Expression, Func, QuerySet
from django.utils import timezone

from .csv_safety import neutralise, pg_neutralised_sql

CHUNK_BYTES = 256 * 1024
ITERATOR_CHUNK_ROWS = 2000
UTF8_BOM = codecs.BOM_UTF8

ENCODING_UTF8 = "utf-8"
ENCODING_UTF8_BOM = "utf-8-sig"
ENCODING_CP932 = "cp932"
ENCODINGS = (ENCODING_UTF8, ENCODING_UTF8_BOM, ENCODING_CP932)

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PG_DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS"


class Kind(enum.Enum):
    TEXT = "text"  # free or user-typed text: neutralised against formula injection
    CODE = "code"  # a choice code or reference the system generates: written as is
    INT = "int"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # YYYY-MM-DD HH:MM:SS in settings.TIME_ZONE
    FLAG = "flag"  # 1 / 0


# --- CP932 ---------------------------------------------------------------------------------------
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
# Text that already reads like a reference ("&#x20BB7;" typed into a note) has its "&" written
# as a reference too, so that every "&#x…;" in a CP932 file is one, and decoding them all once
# gives back the original text: 𠮷 → "&#x20BB7;", but "&#x20BB7;" → "&#x26;#x20BB7;".
_LITERAL_REFERENCE = re.compile(r"&(?=#x)", re.IGNORECASE)
AMPERSAND_REFERENCE = "&#x26;"
_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")


def cp932_reference(char: str) -> str:
    """The documented replacement for a character CP932 cannot hold: its hex numeric reference.

    Reversible (nothing is lost): 𠮷 (U+20BB7) becomes "&#x20BB7;".
    """
    return f"&#x{ord(char):X};"


def _referenced(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)  # no character (a surrogate cannot be stored): kept as written
    return chr(code)


def cp932_unescape(text: str) -> str:
    """The text a CP932 export was written from (its look-alike replacements aside).

    Also how the CRM import reads such a file back (髙 written "&#x9AD9;" is 髙 again). A
    reference to no character ("&#x110000;", a surrogate) stays as written, never an error."""
    return _REFERENCE.sub(_referenced, text) if "&#x" in text else text


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
        if "&" in text:
            text, escaped = _LITERAL_REFERENCE.subn(AMPERSAND_REFERENCE, text)
            self.replaced += escaped
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


# --- cells ---------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else neutralise(str(value))


def _code(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> str:
    return "" if value is None else str(int(value))


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _datetime(value: Any) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime(DATETIME_FORMAT)


def _flag(value: Any) -> str:
    if value is None:
        return ""
    return "1" if value else "0"


PYTHON_FORMATTERS: dict[Kind, Callable[[Any], str]] = {
    Kind.TEXT: _text,
    Kind.CODE: _code,
    Kind.INT: _int,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.FLAG: _flag,
}


class PgCsvCell(Func):
    """A cell's SQL on PostgreSQL: formatted as text and, for TEXT, neutralised in SQL.

    Only ever compiled for PostgreSQL (the COPY path); other databases format in Python.
    """

    def __init__(self, expression: Expression, kind: Kind):
        super().__init__(expression)
        self.kind = kind

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - guard
        raise NotImplementedError("PgCsvCell is compiled on PostgreSQL only")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        if self.kind is Kind.TEXT:
            return pg_neutralised_sql(sql), params * 3
        if self.kind is Kind.CODE or self.kind is Kind.INT:
            return f"({sql})::text", params
        if self.kind is Kind.DATE:
            return f"to_char(({sql}), '{PG_DATETIME_FORMAT[:10]}')", params
        if self.kind is Kind.DATETIME:
            return (
                f"to_char(({sql}) AT TIME ZONE %s, '{PG_DATETIME_FORMAT}')",
                [*params, settings.TIME_ZONE],
            )
        if self.kind is Kind.FLAG:
            return f"CASE WHEN ({sql}) THEN '1' WHEN NOT ({sql}) THEN '0' END", params * 2
        raise ValueError(self.kind)  # pragma: no cover


# --- the streamer --------------------------------------------------------------------------------
class CsvStream:
    """A queryset's cells as CSV bytes. Iterate it once; then `row_count` and `replaced` are set.

    `cells` are (expression, kind) pairs in column order; `header` the names of the header row.
    """

    def __init__(
        self,
        *,
        queryset: QuerySet,
        cells: Sequence[tuple[Expression, Kind]],
        header: Sequence[str],
        encoding: str = ENCODING_UTF8,
        on_progress: Callable[[int], None] | None = None,
        use_copy: bool | None = None,
    ):
        self.queryset = queryset
        self.cells = list(cells)
        self.header = list(header)
        self.encoder = TextEncoder(encoding)
        self.on_progress = on_progress
        self.row_count: int | None = None
        self.connection = connections[queryset.db]
        # COPY on PostgreSQL unless told otherwise (the tests compare both paths there).
        self.use_copy = self.connection.vendor == "postgresql" if use_copy is None else use_copy
        # COPY ends rows with LF. Python's csv module quotes a cell only for characters of its
        # line terminator, so it needs CRLF (RFC 4180) to quote a lone CR inside a cell.
        self.line_end = "\n" if self.use_copy else "\r\n"

    @property
    def replaced(self) -> int:
        return self.encoder.replaced

    def header_bytes(self) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self.line_end).writerow(self.header)
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
        cells = {f"c{i}": PgCsvCell(expr, kind) for i, (expr, kind) in enumerate(self.cells)}
        queryset = self.queryset.annotate(**cells).values_list(*cells)
        sql, params = queryset.query.sql_with_params()
        return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params

    def _copy_rows(self) -> Iterator[bytes]:
        statement, params = self.copy_sql()
        passthrough = self.encoder.encoding != ENCODING_CP932
        decoder = codecs.getincrementaldecoder("utf-8")()
        buffer = bytearray()
        rows = 0
        self.connection.ensure_connection()
        with self.connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with cursor.copy(statement, params) as copy:
                # libpq hands over one row per block, so a chunk always ends on a whole row.
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
        if self.on_progress:
            self.on_progress(self.row_count)

    def _out(self, buffer: bytearray, decoder, passthrough: bool) -> bytes:
        if passthrough:
            return bytes(buffer)
        return self.encoder.encode(decoder.decode(bytes(buffer)))

    # --- SQLite (and any other database): the ORM streams, Python writes --------------------
    def _orm_rows(self) -> Iterator[bytes]:
        cells = {f"c{i}": expr for i, (expr, _kind) in enumerate(self.cells)}
        formatters = [PYTHON_FORMATTERS[kind] for _expr, kind in self.cells]
        rows = (
            self.queryset.annotate(**cells)
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
        if self.on_progress:
            self.on_progress(count)
