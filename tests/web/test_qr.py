"""The server-drawn QR code: an inline SVG that decodes to nothing but drawing."""

from __future__ import annotations

from markupsafe import Markup

from ourmoney.web.qr import qr_svg


def test_qr_svg_is_inline_svg_markup() -> None:
    svg = qr_svg("http://192.168.1.5:8421/signin?code=ABCD-1234")
    assert isinstance(svg, Markup)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')
    assert 'class="qr"' in svg and "<title>QR code</title>" in svg
    assert "<?xml" not in svg and "width=" not in svg


def test_hostile_text_never_reaches_the_markup() -> None:
    svg = qr_svg('<script>alert(1)</script>"&')
    assert "<script" not in svg and "alert" not in svg and '"&' not in svg


def test_longer_text_makes_a_bigger_code() -> None:
    assert len(qr_svg("x" * 200)) > len(qr_svg("x"))
