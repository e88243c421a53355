"""Everything a Spanish reader sees is Spanish (issue 15.3): the OWNER of an organisation with
data walks every page of the portal in Spanish (lists, forms, details, settings, team, plan,
reports, dashboard, public pages, error pages), and no text meant for people carries an
English text of the catalogue.

The English texts are the catalogue's msgids (``translations/messages.pot``), split at their
placeholders; a piece counts when it has two words or more, its Spanish differs from it and it
is not Spanish as well ("Total", "Email"). A page is read as a person reads it: its text nodes
and the attributes meant for people (title, aria-label, placeholder, alt, data-confirm,
data-label, the value of buttons).
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel.messages.pofile import read_po

from portal import resources
from tests.conftest import bearer, org_today
from tests.test_document_pages import Api, member_of, post_action
from tests.test_pages import logged_in, page
from tests.test_recurring_pages import create_profile

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
WORD = re.compile(r"[A-Za-z]{2,}")
# Pieces of msgids that are Spanish as well (the Spanish tax's own name).
ALSO_SPANISH = {"Recargo de equivalencia"}

# What a person reads besides text nodes; text inside these elements is not read.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-confirm", "data-label"}
BUTTON_TYPES = {"submit", "button", "reset"}
UNREAD = {"script", "style", "code", "pre"}


def _pieces(msgid: str) -> list[str]:
    return [p.strip(" .,:;·—-–()“”\"'…") for p in PLACEHOLDER.split(msgid)]


@cache
def english_pieces() -> tuple[str, ...]:
    """Whole English phrases of the catalogue that a Spanish page must not show."""
    translations = resources.TRANSLATIONS
    with (translations / "es/LC_MESSAGES/messages.po").open("rb") as f:
        spanish = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(f)}
    with (translations / "messages.pot").open("rb") as f:
        template = read_po(f)
    found: set[str] = set()
    for message in template:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        translated = spanish.get((message.context, ids[0]))
        strings = (
            []
            if translated is None
            else [translated.string]
            if isinstance(translated.string, str)
            else list(translated.string)
        )
        for msgid in ids:
            if msgid in strings:  # Spanish as well ("Total", "Pro", "IBAN")
                continue
            for piece in _pieces(msgid):
                wanted = len(WORD.findall(piece)) >= 2 and piece not in ALSO_SPANISH
                if wanted and not any(piece in string for string in strings if string):
                    found.add(piece)
    return tuple(sorted(found, key=len, reverse=True))


@cache
def _english_pattern() -> re.Pattern:
    alternatives = "|".join(re.escape(piece) for piece in english_pieces())
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")


class _PeopleText(HTMLParser):
    """The texts of a page a person reads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._unread = 0

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.texts += [values[name] for name in READ_ATTRIBUTES if values.get(name)]
        button = tag in {"input", "button"} and values.get("type", "submit") in BUTTON_TYPES
        if button and values.get("value"):
            self.texts.append(values["value"])
        if tag in UNREAD:
            self._unread += 1

    def handle_endtag(self, tag):
        if tag in UNREAD and self._unread:
            self._unread -= 1

    def handle_data(self, data):
        if not self._unread and data.strip():
            self.texts.append(" ".join(data.split()))


def english_on(html: str) -> list[str]:
    parser = _PeopleText()
    parser.feed(html)
    pattern = _english_pattern()
    return sorted({match for text in parser.texts for match in pattern.findall(text)})


# --- an organisation with one of everything ------------------------------------------------


def fill_organisation(app, owner, make_user) -> dict[str, str]:
    """Data of every kind, in every state a page shows; returns paths that links do not reach."""
    api = Api(app, owner)
    today = org_today()
    past = today - timedelta(days=90)
    customer = api.customer("Ferretería Sol")
    api.customer("Papelería Luna")
    api.product("Tornillo", "T-1", "2.50")
    api.product("Tuerca", "T-2", "1.10")
    discount = [
        {
            "description": "Instalación",
            "quantity": "2",
            "unitPrice": "158.23",
            "discountPercent": "10",
        }
    ]
    api.quote(customer)
    sent = api.sent_quote(customer, lines=discount)
    api.accepted_quote(customer)
    rejected = api.sent_quote(customer)
    api.post(f"/quotes/{rejected['id']}/reject", {"reason": "Muy caro"}, status=200)
    api.sent_quote(
        customer, issueDate=past.isoformat(), validUntil=(past + timedelta(10)).isoformat()
    )
    converted = api.accepted_quote(customer)
    api.post(f"/quotes/{converted['id']}/convert")

    api.invoice(customerId=customer)
    old = {"invoiceDate": past.isoformat(), "dueDate": (past + timedelta(30)).isoformat()}
    overdue = api.issued_invoice(customerId=customer, **old)
    partial = api.issued_invoice(customerId=customer, lines=discount)
    api.post(
        f"/invoices/{partial['id']}/payments",
        {"amount": "100.00", "paidOn": today.isoformat(), "method": "CASH"},
    )
    paid = api.issued_invoice(customerId=customer)
    api.post(
        f"/invoices/{paid['id']}/payments",
        {"amount": paid["total"], "paidOn": today.isoformat(), "method": "TRANSFER"},
    )
    void = api.issued_invoice(customerId=customer)
    sent_invoice = api.post(f"/invoices/{void['id']}/send", {"to": "c@example.com"}, status=200)
    api.post(f"/invoices/{void['id']}/void", status=200)
    open_invoice = api.post(f"/invoices/{overdue['id']}/send", {"to": "c@example.com"}, status=200)

    browser = logged_in(app, owner)
    create_profile(browser, customer)
    response = api.client.post(
        "/api/v1/webhooks",
        json={"url": "https://93.184.216.34/hooks/portal", "events": ["invoice.paid"]},
        headers=bearer(owner),
    )
    assert response.status_code == 201, response.get_json()
    for role in ("ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER"):
        member_of(make_user, owner, role)

    public = [
        item["publicUrl"].removeprefix("http://localhost")
        for item in (sent, sent_invoice, open_invoice)
    ]
    return {
        "public": public,
        "forms": [f"/invoices/{paid['id']}/edit", f"/quotes/{sent['id']}/edit"],
    }


SKIPPED = re.compile(r"/(pdf|export|logout)\b|/api/|/static/|format=csv|\.(pdf|csv|json|svg)$")


def walk(client, starts: list[str], limit: int = 400) -> dict[str, str]:
    """Every page reachable by links from ``starts``: one per path and set of query names."""
    seen: dict[tuple, str] = {}
    pages: dict[str, str] = {}
    queue = list(starts)
    while queue and len(pages) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or SKIPPED.search(url):
            continue
        key = (parts.path, tuple(sorted(name for name, _ in parse_qsl(parts.query))))
        if key in seen:
            continue
        seen[key] = url
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
            continue
        if not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        queue += re.findall(r'href="(/[^"#]*)', html.replace("&amp;", "&"))
    return pages


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER", plan="PRO")


def test_the_catalogue_gives_english_pieces_to_look_for():
    pieces = english_pieces()
    assert {"Record payment", "Access denied", "role required"} <= set(pieces)
    assert not {"Total", "IBAN", "Pro"} & set(pieces)  # Spanish too, or a single word
    assert english_on('<p title="Record payment">x</p>') == ["Record payment"]
    assert english_on('<input type="submit" value="Record payment">') == ["Record payment"]
    assert english_on(
        '<a data-confirm="Void this invoice? It keeps its number and cannot be undone.">x</a>'
    )
    assert english_on("<p>Ferretería Sol · Borrador · Registrar pago</p>") == []
    assert english_on("<script>var t = 'Record payment';</script>") == []


def test_every_page_an_owner_sees_in_spanish_is_spanish(app, make_user, owner):
    extra = fill_organisation(app, owner, make_user)
    browser = logged_in(app, owner)
    pages = walk(browser, ["/", *extra["forms"]])
    assert len(pages) > 40, sorted(pages)
    wanted = {"/", "/invoices/", "/quotes/", "/recurring-invoices/", "/team/", "/settings/billing"}
    assert wanted <= {urlsplit(url).path for url in pages}, sorted(pages)
    assert any(path.startswith("/reports/") for path in pages)
    assert any(path.startswith("/webhooks/whk_") for path in pages)

    anonymous = app.test_client()
    for path in extra["public"]:
        pages[path] = page(anonymous, path)
    pages["/q/missing"] = page(anonymous, "/q/" + "x" * 43, status=404)
    pages["/api/docs"] = page(browser, "/api/docs")
    pages["/login"] = page(anonymous, "/login")
    pages["/signup"] = page(anonymous, "/signup")
    pages["404"] = page(browser, "/invoices/inv_missing", status=404)
    pages["405"] = browser.get("/invoices/inv_x/void").get_data(as_text=True)
    viewer = logged_in(app, member_of(make_user, owner, "VIEWER"))
    pages["403"] = page(viewer, "/invoices/new", status=403)
    free = make_user(role="OWNER", plan="FREE")
    pages["403 plan"] = page(logged_in(app, free), "/webhooks/", status=403)
    invalid = post_action(browser, "/invoices/new", "/invoices/new", {"customer_name": ""})
    pages["invoice form with errors"] = invalid.get_data(as_text=True)

    english = {url: found for url, html in pages.items() if (found := english_on(html))}
    assert english == {}
