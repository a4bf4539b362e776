"""QR codes drawn on the server as inline SVG (segno), so pages need no script or image file."""

from __future__ import annotations

import io

from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """Return `text` as a QR code in an inline SVG element that scales to its container."""
    import segno  # here, not at start: only the Phone and pairing pages draw codes

    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True,
              border=2, dark="#000", light="#fff", svgclass="qr", lineclass=None,
              title="QR code")
    # Only segno's own path data and a fixed title: nothing from `text` appears as markup.
    return Markup(out.getvalue().decode("utf-8"))
