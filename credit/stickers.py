"""Printable stickers: the QR code (segno) and a poster in SVG and PDF.

The PDF uses reportlab's built-in CID font STSong-Light (Adobe-GB1), which needs
no font file, so a fresh machine prints Chinese. Set CREDIT_STICKER_TTF to a
TrueType CJK font to embed its glyphs instead (Debian's fonts-noto-cjk ships CFF
outlines, which reportlab cannot embed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from itertools import groupby
from xml.sax.saxutils import escape

import segno
from django.conf import settings

COLOUR_HEX = {"green": "#1a9641", "yellow": "#f2b705", "red": "#d7191c"}
COLOUR_TITLE = {"green": "绿码", "yellow": "黄码", "red": "红码"}
COLOUR_TEXT = {"green": "#ffffff", "yellow": "#222222", "red": "#ffffff"}


@dataclass(frozen=True)
class StickerContent:
    url: str
    name: str
    colour: str
    valid_until: date
    issued_on: date
    hotline: str
    authority: str


# Any of the eight masks reads the same (the symbol names its mask); trying all
# eight to pick the "best" was two thirds of the cost of a code, and a publish
# makes one per enterprise.
QR_MASK = 0


@lru_cache(maxsize=4096)
def qr_code(url: str) -> segno.QRCode:
    """A sticker's QR code, made once per process (its URL never changes)."""
    return segno.make(url, error="m", micro=False, mask=QR_MASK)


def qr_svg(url: str) -> str:
    """The bare QR code as an inline SVG element (viewBox, no size): one path,
    a horizontal stroke per run of dark modules."""
    code = qr_code(url)
    strokes = []
    for y, row in enumerate(code.matrix):
        x = 0
        for dark, run in groupby(row):
            length = sum(1 for _module in run)
            if dark:
                strokes.append(f"M{x} {y}.5h{length}")
            x += length
    size = code.symbol_size(scale=1, border=0)[0]
    return (
        f'<svg viewBox="0 0 {size} {size}"><path stroke="#000" '
        f'd="{"".join(strokes)}"/></svg>'
    )


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def sticker_svg(content: StickerContent) -> str:
    """A 100 × 140 mm poster: colour band, name, QR, validity, hotline."""
    fill = COLOUR_HEX[content.colour]
    ink = COLOUR_TEXT[content.colour]
    qr = qr_svg(content.url)
    names = "".join(
        f'<text x="50" y="{47 + 7 * i}" font-size="6" text-anchor="middle">'
        f"{escape(line)}</text>"
        for i, line in enumerate(_wrap(content.name, 15)[:2])
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="140mm" '
        "viewBox=\"0 0 100 140\" font-family=\"'Noto Sans CJK SC', 'PingFang SC', "
        "'Microsoft YaHei', sans-serif\">"
        '<rect width="100" height="140" fill="#ffffff" stroke="#444" '
        'stroke-width="0.4"/>'
        f'<rect width="100" height="34" fill="{fill}"/>'
        f'<text x="50" y="14" font-size="8" fill="{ink}" text-anchor="middle">'
        f"{escape(content.authority)}</text>"
        f'<text x="50" y="28" font-size="11" font-weight="bold" fill="{ink}" '
        f'text-anchor="middle">环境信用{COLOUR_TITLE[content.colour]}</text>'
        f"{names}"
        f'<svg x="27" y="60" width="46" height="46">{qr}</svg>'
        '<text x="50" y="114" font-size="4.2" text-anchor="middle">'
        "微信扫码查看环境信用信息</text>"
        '<text x="50" y="122" font-size="4.2" text-anchor="middle">'
        f"有效期至 {content.valid_until:%Y-%m-%d} · 发码 {content.issued_on:%Y-%m-%d}"
        "</text>"
        f'<rect x="0" y="128" width="100" height="12" fill="{fill}"/>'
        f'<text x="50" y="136" font-size="5" fill="{ink}" text-anchor="middle">'
        f"投诉电话 {escape(content.hotline)}</text>"
        "</svg>"
    )


@cache
def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics

    path = getattr(settings, "CREDIT_STICKER_TTF", "")
    if path:
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("StickerCJK", path))
        return "StickerCJK"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def sticker_pdf(content: StickerContent) -> bytes:
    """The same poster as a one-page PDF (A6 portrait), QR drawn as vectors."""
    from reportlab.lib.colors import HexColor, white
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _pdf_font()
    width, height = A6
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"环境信用码 {content.name}")
    fill = HexColor(COLOUR_HEX[content.colour])
    ink = HexColor(COLOUR_TEXT[content.colour])

    pdf.setFillColor(fill)
    pdf.rect(0, height - 34 * mm, width, 34 * mm, stroke=0, fill=1)
    pdf.rect(0, 0, width, 12 * mm, stroke=0, fill=1)
    pdf.setFillColor(ink)
    pdf.setFont(font, 11)
    pdf.drawCentredString(width / 2, height - 13 * mm, content.authority)
    pdf.setFont(font, 20)
    pdf.drawCentredString(
        width / 2, height - 27 * mm, f"环境信用{COLOUR_TITLE[content.colour]}"
    )
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, 4 * mm, f"投诉电话 {content.hotline}")

    pdf.setFillColor(HexColor("#111111"))
    pdf.setFont(font, 13)
    for i, line in enumerate(_wrap(content.name, 15)[:2]):
        pdf.drawCentredString(width / 2, height - (44 + 7 * i) * mm, line)

    matrix = qr_code(content.url).matrix
    size = 46 * mm
    module = size / len(matrix)
    left, top = (width - size) / 2, height - 60 * mm
    path = pdf.beginPath()
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                path.rect(
                    left + column * module,
                    top - (row + 1) * module,
                    module,
                    module,
                )
    pdf.drawPath(path, stroke=0, fill=1)

    pdf.setFont(font, 10)
    pdf.drawCentredString(width / 2, 27 * mm, "微信扫码查看环境信用信息")
    pdf.setFont(font, 9)
    pdf.drawCentredString(
        width / 2,
        20 * mm,
        f"有效期至 {content.valid_until:%Y-%m-%d}  发码 {content.issued_on:%Y-%m-%d}",
    )
    pdf.setFillColor(white)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
