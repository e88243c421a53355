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
from zoneinfo import available_timezones

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal import resources
from portal.accounts.models import Organization, User
from portal.extensions import db
from tests.conftest import bearer, org_today
from tests.test_document_pages import Api, member_of, post_action
from tests.test_pages import logged_in, page
from tests.test_recurring_pages import create_profile

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
# Pieces of msgids that are Spanish as well (the Spanish tax's own name).
ALSO_SPANISH = {"Recargo de equivalencia"}

# English a page may still show, by path (none: the last one, the settings form's unlabelled
# list of tax rates on the API docs, is labelled now).
OWED: dict[str, list[str]] = {}

# What a person reads besides text nodes; text inside these elements is not read.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-confirm", "data-label"}
BUTTON_TYPES = {"submit", "button", "reset"}
UNREAD = {"script", "style", "code", "pre"}


def _pieces(msgid: str) -> list[str]:
    return [p.strip(" .,:;·—-–()“”\"'…") for p in PLACEHOLDER.split(msgid)]


def _catalogue() -> list[tuple[list[str], list[str]]]:
    """Each message of the catalogue: its msgids (singular, plural) and its Spanish strings."""
    translations = resources.TRANSLATIONS
    with (translations / "es/LC_MESSAGES/messages.po").open("rb") as f:
        spanish = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(f)}
    with (translations / "messages.pot").open("rb") as f:
        template = read_po(f)
    messages = []
    for message in template:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        translated = spanish.get((message.context, ids[0]))
        string = translated.string if translated is not None else ""
        strings = [string] if isinstance(string, str) else list(string)
        messages.append((ids, [s for s in strings if s]))
    return messages


@cache
def english_pieces() -> tuple[str, ...]:
    """Whole English phrases of the catalogue that a Spanish page must not show: pieces of two
    words or more, and single words that no Spanish text of the catalogue uses ("History",
    "Cancel"; not "Total", "Error", "Plan")."""
    messages = _catalogue()
    spanish_words = {
        word.lower() for _, strings in messages for s in strings for word in WORD.findall(s)
    }
    found: set[str] = set()
    for ids, strings in messages:
        for msgid in ids:
            if msgid in strings:  # Spanish as well ("Total", "Pro", "IBAN")
                continue
            for piece in _pieces(msgid):
                words = WORD.findall(piece)
                if piece in ALSO_SPANISH or any(piece in string for string in strings):
                    continue
                if len(words) >= 2 or (
                    len(words) == 1 and piece == words[0] and piece.lower() not in spanish_words
                ):
                    found.add(piece)
    return tuple(sorted(found, key=len, reverse=True))


@cache
def _english_pattern() -> re.Pattern:
    alternatives = "|".join(re.escape(piece) for piece in english_pieces())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
TIME_ZONES = {name.replace("_", " ") for name in available_timezones()}
IDENTIFIER = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")  # an event's name: invoice.paid


class _PeopleText(HTMLParser):
    """The Spanish texts of a page a person reads: not scripts or code, not what is marked
    as written in another language (``lang="en"``: the English e-mail template), not the
    names of time zones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def _unread(self) -> bool:
        return any(unread for _, unread in self._open)

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        other_language = not values.get("lang", "es").startswith("es")
        if not self._unread() and not other_language:
            self.texts += [values[name] for name in READ_ATTRIBUTES if values.get(name)]
            button = tag in {"input", "button"} and values.get("type", "submit") in BUTTON_TYPES
            if button and values.get("value"):
                self.texts.append(values["value"])
        if tag not in VOID:
            self._open.append((tag, tag in UNREAD or other_language))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._unread() and text not in TIME_ZONES:
            self.texts.append(IDENTIFIER.sub(" ", text))


def english_on(html: str, *, where: bool = False) -> list[str]:
    """The English pieces a person reads on ``html`` (with ``where``: the texts holding them)."""
    parser = _PeopleText()
    parser.feed(html)
    pattern = _english_pattern()
    if where:
        return sorted(
            {f"{m!r} in {text[:120]!r}" for text in parser.texts for m in pattern.findall(text)}
        )
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
    name_people(app, owner.organization_id)

    public = [
        item["publicUrl"].removeprefix("http://localhost")
        for item in (sent, sent_invoice, open_invoice)
    ]
    return {
        "public": public,
        "forms": [f"/invoices/{paid['id']}/edit", f"/quotes/{sent['id']}/edit"],
    }


def name_people(app, organization_id: str) -> None:
    """Spanish names for an organisation's people (the factory's are "Owner User"…)."""
    with app.app_context():
        users = db.session.scalars(
            select(User).join(Organization).where(Organization.public_id == organization_id)
        )
        for number, user in enumerate(users):
            user.name = f"Persona {number + 1}"
        db.session.commit()


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
    assert english_on("<h2>History</h2><p>Dashboard</p>") == ["Dashboard", "History"]
    assert english_on("<script>var t = 'Record payment';</script>") == []
    # Marked as English, a time zone's name, an event's name: not Spanish text to check.
    assert english_on('<textarea lang="en" placeholder="Record payment"></textarea>') == []
    assert english_on("<option>America/Mexico City</option><td>invoice.paid</td>") == []


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
    viewer = member_of(make_user, owner, "VIEWER")
    name_people(app, owner.organization_id)
    viewer = logged_in(app, viewer)
    pages["403"] = page(viewer, "/invoices/new", status=403)
    free = make_user(role="OWNER", plan="FREE")
    name_people(app, free.organization_id)
    pages["403 plan"] = page(logged_in(app, free), "/webhooks/", status=403)
    invalid = post_action(browser, "/invoices/new", "/invoices/new", {"customer_name": ""})
    pages["invoice form with errors"] = invalid.get_data(as_text=True)

    english = {
        url: found
        for url, html in pages.items()
        if (found := [f for f in english_on(html, where=True) if f not in OWED.get(url, [])])
    }
    assert english == {}, "\n".join(f"{url}: {found}" for url, found in english.items())
