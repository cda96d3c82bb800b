"""Small real files for upload tests, made in memory."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes(*, javascript: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript(javascript))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# A Windows executable's header, and an ELF one: renamed to look like a scan.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


def pdf_with_javascript_in_object_stream(*, xref_size: int = 7) -> bytes:
    """A PDF whose JavaScript action sits compressed in an object stream (PDF 1.5), where a
    scan of the raw bytes cannot see it: only walking the parsed objects finds it.

    `xref_size` below 7 makes the cross-reference stream's /Size lie (understate the count): a
    checker that walks object numbers only up to /Size never reaches the action (issue 20)."""
    import struct
    import zlib

    out = bytearray(b"%PDF-1.5\n")
    offsets: dict[int, int] = {}

    def obj(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> >>")
    inner = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    header = b"4 0 "
    packed = zlib.compress(header + inner)
    obj(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    )
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in (1, 2, 3):
        rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    rows.append(struct.pack(">BIH", 2, 5, 0))  # object 4: in object stream 5, index 0
    rows.append(struct.pack(">BIH", 1, offsets[5], 0))
    rows.append(struct.pack(">BIH", 1, xref_offset, 0))
    table = b"".join(rows)
    out.extend(
        b"6 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref_size, len(table))
        + table
        + b"\nendstream\nendobj\n"
    )
    out.extend(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    return bytes(out)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels in its header and carries one tiny IDAT:
    a few hundred bytes that a decoder would blow up to width * height * 3 bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def pdf_with_broken_xref() -> bytes:
    """A plain PDF whose startxref points to the wrong place: it opens only after repair."""
    data = pdf_bytes()
    head, _, tail = data.rpartition(b"startxref")
    offset = int(tail.split()[0])
    return head + b"startxref\n%d\n%%%%EOF\n" % (offset + 7)
