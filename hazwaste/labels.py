"""Container labels: a QR code (segno, pure Python SVG) that opens the
container's phone page."""

from __future__ import annotations

import segno


def label_svg(url: str, *, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)
