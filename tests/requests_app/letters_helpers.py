"""Shared helpers of the letter tests: PDF text and fonts, the sample folder, storage."""

from __future__ import annotations

import io
import os
from pathlib import Path

from pypdf import PdfReader

SAMPLE_DIR_ENV = "LETTER_SAMPLE_DIR"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    """Japanese text without the line breaks the layout put in (no spaces between words)."""
    return text.replace("\n", "")


def pdf_page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF uses → whether its font program is embedded in the file."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


def write_sample(name: str, pdf: bytes) -> Path | None:
    """With LETTER_SAMPLE_DIR set, keep the PDF there so a person can open it."""
    folder = os.environ.get(SAMPLE_DIR_ENV)
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{name}.pdf"
    target.write_bytes(pdf)
    return target
