"""Printable stickers: SVG and PDF with the QR code and Chinese text."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from credit.models import Sticker

pytestmark = pytest.mark.django_db


def test_the_sticker_pdf_renders_chinese_text(published, world, bureau_officer):
    client = Client()
    client.force_login(bureau_officer)
    response = client.get(f"/credit/enterprises/{world.enterprise_x.pk}/sticker.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "甲餐厅" in text
    assert "环境信用绿码" in text
    assert "投诉电话 12345" in text
    assert "有效期至" in text


def test_the_sticker_svg_carries_the_qr_code_of_the_current_token(
    published, world, enterprise_user_x
):
    client = Client()
    client.force_login(enterprise_user_x)
    response = client.get(f"/credit/enterprises/{world.enterprise_x.pk}/sticker.svg")
    svg = response.content.decode()
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "甲餐厅" in svg and "<path" in svg and "#1a9641" in svg


def test_another_enterprise_cannot_download_x_sticker(
    published, world, enterprise_user_y
):
    client = Client()
    client.force_login(enterprise_user_y)
    response = client.get(f"/credit/enterprises/{world.enterprise_x.pk}/sticker.pdf")
    assert response.status_code == 404


def test_the_qr_encodes_the_public_url_with_the_token(published, world, settings):
    import segno

    from credit.stickers import QR_MASK, qr_code

    settings.CREDIT_PUBLIC_BASE_URL = "https://hb.example.gov.cn"
    sticker = Sticker.objects.get(enterprise=world.enterprise_x)
    url = f"https://hb.example.gov.cn/c/{sticker.token}/"
    assert (
        qr_code(url).matrix
        == segno.make(url, error="m", micro=False, mask=QR_MASK).matrix
    )


def test_the_qr_svg_draws_exactly_the_dark_modules():
    import re

    import segno

    from credit.stickers import QR_MASK, qr_svg

    url = "https://hb.example.gov.cn/c/AbCdEfGhIjKlMnOp/"
    matrix = segno.make(url, error="m", micro=False, mask=QR_MASK).matrix
    dark = {(x, y) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    svg = qr_svg(url)
    assert svg.startswith(f'<svg viewBox="0 0 {len(matrix)} {len(matrix)}">')
    drawn = set()
    for x, y, length in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
        drawn |= {(int(x) + i, int(y)) for i in range(int(length))}
    assert drawn == dark
