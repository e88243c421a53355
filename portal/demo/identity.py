"""Who the demo organisation is: a Spanish limited company with its whole fiscal profile (what
an invoice must show: legal name, tax id, address, bank account, terms, the Registro Mercantil
line) and a logo, drawn here and kept through the settings' own re-encoding."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from portal.pdf.typography import FONTS

LEGAL_NAME = "Suministros y Servicios Digitales S.L."
TAX_ID = "B86251238"  # a Madrid S.L.'s NIF, its check digit computed
PROFILE: dict[str, Any] = {
    "legal_name": LEGAL_NAME,
    "tax_id": TAX_ID,
    "street": "Calle de Santa Engracia 18, 2.º izda.",
    "postal_code": "28010",
    "city": "Madrid",
    "region": "Madrid",
    "email": "administracion@demo.example.com",
    "phone": "+34 910 555 214",
    # The example IBAN of Spanish banks' own documentation: valid, and nobody's account.
    "iban": "ES9121000418450200051332",
    "bank_details": "CaixaBank, S.A. · BIC CAIXESBBXXX",
    "payment_terms_days": 30,
    "invoice_footer": (
        f"{LEGAL_NAME}, inscrita en el Registro Mercantil de Madrid, tomo 40.123, folio 101, "
        "sección 8.ª, hoja M-712345, inscripción 1.ª."
    ),
}

ACCENT = (29, 78, 137, 255)  # the PDFs' accent colour
INK = (31, 41, 51, 255)


def draw_logo() -> bytes:
    """A PNG as someone would upload it: a mark (three rising bars on a rounded square) and
    the trade name, on a transparent background."""
    image = Image.new("RGBA", (440, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((6, 18, 150, 162), radius=28, fill=ACCENT)
    for i, height in enumerate((44, 72, 100)):
        left = 34 + i * 32
        draw.rounded_rectangle((left, 136 - height, left + 22, 136), radius=4, fill="white")
    font = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 46)
    draw.text((172, 36), "Demo", font=font, fill=INK)
    draw.text((172, 92), "Comercial", font=font, fill=ACCENT)
    png = io.BytesIO()
    image.save(png, "PNG")
    return png.getvalue()
