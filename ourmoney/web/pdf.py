"""HTML to PDF with xhtml2pdf (Apache-2.0; draws SVG images through svglib, LGPL-3.0)."""

from __future__ import annotations

import io
import logging

from ourmoney.errors import N_, OurMoneyError


class PdfFailed(OurMoneyError):
    __doc__ = N_("The PDF could not be made.")

    status = 500


def html_to_pdf(html: str) -> bytes:
    """Render an HTML page (xhtml2pdf's CSS 2.1 subset, @page rules) to PDF bytes."""
    # Imported here, not at start: xhtml2pdf and reportlab add ~0.3 s to every app start.
    from xhtml2pdf import pisa

    out = io.BytesIO()
    # xhtml2pdf logs every CSS property it skips; they are expected, not news.
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise PdfFailed()
    return out.getvalue()
