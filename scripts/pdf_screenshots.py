"""Draw the screenshots of docs/pdf.md: the first page of a Spanish invoice and an English quote.

    .venv/bin/python scripts/pdf_screenshots.py            # writes docs/images/pdf-*.png
    .venv/bin/python scripts/pdf_screenshots.py --timing   # also times a 120-line invoice

The documents are built in memory (no database) through the same ``render_invoice`` and
``render_quote`` the portal serves. Pages are turned into PNG by ``pdftoppm`` (Debian's
poppler-utils: ``apt-get install poppler-utils``). ``--translations FILE`` merges a JSON
object of msgid → Spanish text into a temporary catalogue first, to preview translations
that are not in ``translations/`` yet.
"""

from __future__ import annotations

import argparse
import io
import json
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402 - after the checkout is on the path
from portal.accounts.models import Organization  # noqa: E402
from portal.catalog.models import Customer  # noqa: E402
from portal.documents.calc import document_totals, line_amounts  # noqa: E402
from portal.documents.pdf import render_invoice, render_quote  # noqa: E402
from portal.invoices.models import Invoice, InvoiceLine  # noqa: E402
from portal.pdf.typography import FONTS  # noqa: E402
from portal.quotes.models import Quote, QuoteLine  # noqa: E402

IMAGES = ROOT / "docs" / "images"
RESOLUTION = 100  # dots per inch: an A4 page of 827 × 1169 pixels


def organization(**fields: Any) -> Organization:
    blank = dict.fromkeys(
        ("legal_name", "tax_id", "street", "postal_code", "city", "region", "country", "email",
         "phone", "iban", "bank_details", "invoice_footer"),
        "",
    )  # fmt: skip
    return Organization(**{**blank, "logo": None, "time_zone": "Europe/Madrid", **fields})


def logo() -> bytes:
    """A made-up logo: a blue badge and the trade name, drawn with the bundled font."""
    image = Image.new("RGB", (520, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 10, 140, 150), radius=28, fill=(29, 78, 137))
    draw.text((70, 80), "FN", fill="white", anchor="mm",
              font=ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 64))  # fmt: skip
    draw.text((165, 50), "Ferretería", fill=(29, 78, 137),
              font=ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 44))  # fmt: skip
    draw.text((165, 100), "Núñez", fill=(97, 110, 124),
              font=ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 40))  # fmt: skip
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def lines(model: type, specs: list[tuple[str, str, str, str, str, str, str, str]]) -> list[Any]:
    """Lines from (description, quantity, price, discount %, tax %, recargo %, name, note)."""
    made = []
    for position, (text, quantity, price, discount, tax, surcharge, name, note) in enumerate(specs):
        figures = line_amounts(
            Decimal(quantity), Decimal(price), Decimal(discount), Decimal(tax), Decimal(surcharge)
        )
        made.append(
            model(
                position=position,
                description=text,
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                discount_percent=Decimal(discount),
                tax_percent=Decimal(tax),
                surcharge_percent=Decimal(surcharge),
                tax_name=name,
                tax_note=note,
                gross=figures.gross,
                discount=figures.discount,
                net=figures.net,
                tax=figures.tax,
                surcharge=figures.surcharge,
                total=figures.total,
            )
        )
    return made


def with_totals(document: Any) -> Any:
    totals = document_totals(document.lines, document.withholding_percent)
    for name in ("subtotal", "discount_total", "tax_total", "surcharge_total"):
        setattr(document, name, getattr(totals, name))
    document.withholding_total, document.total = totals.withholding_total, totals.total
    return document


SPANISH_LINES = [
    ("Tornillería inoxidable A2, caja de 500 unidades, métrica 6 × 40 mm", "4", "38.90", "10",
     "21", "5.2", "IVA 21 %", ""),
    ("Taladro percutor 18 V con dos baterías y maletín", "1", "189.00", "0", "21", "5.2",
     "IVA 21 %", ""),
    ("Manual técnico «Instalaciones eléctricas de baja tensión»", "2", "32.50", "0", "4", "0.5",
     "IVA 4 %", ""),
    ("Montaje en obra (horas)", "6", "35.00", "0", "21", "0", "IVA 21 %", ""),
    ("Curso de prevención de riesgos laborales", "1", "120.00", "0", "0", "0", "Exento",
     "Operación exenta de IVA (art. 20 Ley 37/1992)"),
]  # fmt: skip
ENGLISH_LINES = [
    ("Brand workshop: two half-day sessions with the founding team", "2", "650.00", "0", "23",
     "0", "", ""),
    ("Logo, colour palette and typography guide", "1", "1800.00", "15", "23", "0", "", ""),
    ("Printed stationery (business cards, letterheads), 500 units each", "3", "145.00", "0",
     "13.5", "0", "", ""),
]  # fmt: skip


def spanish_invoice() -> tuple[Invoice, Organization]:
    issuer = organization(
        name="Ferretería Núñez", legal_name="Ferretería Núñez e Hijos, S.L.", tax_id="B12345674",
        street="Calle de Toledo 52, local 3", postal_code="28005", city="Madrid",
        region="Madrid", country="ES", email="facturas@ferreterianunez.es",
        phone="+34 913 654 321", iban="ES9121000418450200051332",
        bank_details="CaixaBank · BIC CAIXESBBXXX", locale="es", currency="EUR", logo=logo(),
        invoice_footer="Ferretería Núñez e Hijos, S.L. · Inscrita en el Registro Mercantil de "
        "Madrid, tomo 12.345, folio 67, hoja M-123456 · Gracias por su confianza.",
    )  # fmt: skip
    invoice = Invoice(
        number="FAC-2026-0042", status="ISSUED", currency="EUR", customer_name="",
        invoice_date=date(2026, 11, 30), due_date=date(2026, 12, 30),
        amount_paid=Decimal("0"), notes="", withholding_percent=Decimal("15"),
        lines=lines(InvoiceLine, SPANISH_LINES),
    )  # fmt: skip
    customer = {
        "name": "Reformas Łódź Sánchez, S.L.", "trade_name": "", "tax_id": "B87654325",
        "street": "Avinguda Diagonal 640, 4.º 2.ª", "postal_code": "08017", "city": "Barcelona",
        "region": "Barcelona", "country": "ES", "email": "", "phone": "", "extra": {},
    }  # fmt: skip
    issuer_kept = {
        "name": issuer.legal_name, "trade_name": issuer.name, "tax_id": issuer.tax_id,
        "street": issuer.street, "postal_code": issuer.postal_code, "city": issuer.city,
        "region": issuer.region, "country": issuer.country, "email": issuer.email,
        "phone": issuer.phone, "extra": {},
    }  # fmt: skip
    invoice.parties = {"issuer": issuer_kept, "customer": customer}
    return with_totals(invoice), issuer


def english_quote() -> tuple[Quote, Organization]:
    issuer = organization(
        name="Harbour & Pine", legal_name="Harbour & Pine Design Ltd", tax_id="IE6388047V",
        street="14 Merrion Square", postal_code="D02 XY45", city="Dublin", country="IE",
        email="hello@harbourpine.example", locale="en", currency="EUR",
        invoice_footer="Harbour & Pine Design Ltd · Registered in Ireland No. 654321",
    )  # fmt: skip
    quote = Quote(
        number="COT-2026-0007", status="SENT", currency="EUR",
        customer_name="Café Ōtaru Łukasiewicz sp. z o.o.", issue_date=date(2026, 11, 30),
        valid_until=date(2026, 12, 30), notes="Prices include two rounds of revisions.",
        withholding_percent=Decimal("0"), lines=lines(QuoteLine, ENGLISH_LINES),
    )  # fmt: skip
    quote.organization = issuer
    quote.customer = Customer(
        name="Café Ōtaru Łukasiewicz sp. z o.o.", tax_id="PL5261040828",
        address="ul. Marszałkowska 84/92", postal_code="00-514", city="Warszawa", region="",
        country="PL", email="", phone="",
    )  # fmt: skip
    return with_totals(quote), issuer


def a_long_invoice() -> tuple[Invoice, Organization]:
    invoice, issuer = spanish_invoice()
    specs = [SPANISH_LINES[n % len(SPANISH_LINES)] for n in range(120)]
    invoice.lines = lines(InvoiceLine, specs)
    return with_totals(invoice), issuer


def preview_catalogue(extra: Path, into: Path) -> Path:
    """translations/ with the msgids of ``extra`` (JSON) added to the Spanish catalogue."""
    with (ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="es")
    for msgid, text in json.loads(extra.read_text()).items():
        catalogue.add(msgid, text)
    target = into / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return into


def first_page_png(pdf: bytes, name: str, work: Path) -> Path:
    source = work / f"{name}.pdf"
    source.write_bytes(pdf)
    command = ["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", "1", "-l", "1",
               "-singlefile", str(source), str(work / name)]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603 - fixed arguments
    target = IMAGES / f"{name}.png"
    shutil.copyfile(work / f"{name}.png", target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--translations", type=Path, help="JSON msgid → Spanish to preview")
    parser.add_argument("--timing", action="store_true", help="time a 120-line invoice")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        config = {
            "ENV_NAME": "testing",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": "sqlite://",
            "LOG_LEVEL": "WARNING",
        }
        if args.translations:
            catalogue = preview_catalogue(args.translations, work / "translations")
            config["BABEL_TRANSLATION_DIRECTORIES"] = str(catalogue)
        app = create_app(config)
        with app.test_request_context():
            invoice, issuer = spanish_invoice()
            print(first_page_png(render_invoice(invoice, issuer), "pdf-invoice-es", work))
            quote, quoting = english_quote()
            print(first_page_png(render_quote(quote, quoting), "pdf-quote-en", work))
            if args.timing:
                long_invoice, issuer = a_long_invoice()
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    pdf = render_invoice(long_invoice, issuer)
                    times.append(time.perf_counter() - started)
                pages = pdf.count(b"/Type /Page\n")
                print(f"120 lines: {pages} pages, {len(pdf) / 1024:.0f} KiB, "
                      f"median {statistics.median(times) * 1000:.0f} ms of 5 renders")  # fmt: skip


if __name__ == "__main__":
    main()
