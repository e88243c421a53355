"""The public quote link: no log-in, the customer's language, one answer, then the answer."""

import re
import secrets
from html import unescape

from sqlalchemy import select

from portal.extensions import db
from portal.quotes.models import Quote
from tests.conftest import assert_envelope, bearer, csrf_from
from tests.test_api_quotes import (
    QUOTES,
    act,
    create_quote,
    mixed_lines,
    new_customer,
    new_product,
    past_quote_body,
)

ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}
PUBLIC_LABEL_ES = "Cliente, mediante el enlace público"
PUBLIC_LABEL_EN = "Customer, through the public link"


def path_of(url: str) -> str:
    assert url.startswith("http://localhost/q/"), url
    return url.removeprefix("http://localhost")


def set_org_locale(client, owner, locale: str) -> None:
    response = client.patch("/api/v1/organization", json={"locale": locale}, headers=bearer(owner))
    assert assert_envelope(response, 200)["data"]["locale"] == locale


def sent_quote(client, member, lines=None) -> tuple[dict, str]:
    quote = create_quote(client, member, new_customer(client, member, "Cliente Uno"), lines)
    sent = act(client, member, f"{QUOTES}/{quote['id']}/send")["data"]
    return sent, path_of(sent["publicUrl"])


def detail(client, member, quote_id) -> dict:
    return assert_envelope(client.get(f"{QUOTES}/{quote_id}", headers=bearer(member)), 200)["data"]


def last_event(client, member, quote_id) -> dict:
    response = client.get(f"{QUOTES}/{quote_id}/history", headers=bearer(member))
    return assert_envelope(response, 200)["data"]["items"][-1]


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_link_in_the_organisations_language_accepts_once(app, client, make_user):
    owner = make_user(role="OWNER")
    operator = make_user(role="OPERATOR", organization_id=owner.organization_id)
    set_org_locale(client, owner, "en")
    product = new_product(client, operator)
    quote, link = sent_quote(client, operator, mixed_lines(product))

    visitor = app.test_client()  # no session, no token
    page = visitor.get(link, headers=ES)
    assert page.status_code == 200
    html = text_of(page)
    assert '<html lang="en">' in html
    for words in ("Accept quote", "Reject quote", "Your answer", "Valid until", "Quote"):
        assert words in html
    for spanish in ("Aceptar cotización", "Tu respuesta", "Válida hasta"):
        assert spanish not in html
    assert quote["quoteNumber"] in html and "Cliente Uno" in html
    assert "$163.06" in html and "Servicio de instalación" in html

    answer = visitor.post(
        f"{link}/accept",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "reason": "Looks right"},
        headers=ES,
    )
    assert answer.status_code == 200
    assert "Thank you: the quote was accepted." in text_of(answer)

    shown = visitor.get(link, headers=ES)  # the page stays and shows the decision
    assert shown.status_code == 200
    assert "This quote was accepted on" in text_of(shown) and "Your answer" not in text_of(shown)
    again = visitor.post(
        f"{link}/reject", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert again.status_code == 303  # back to the page, which says it was accepted

    data = detail(client, operator, quote["id"])
    assert data["status"] == "ACCEPTED"
    assert data["decisionReason"] == "Looks right"
    assert data["publicUrl"] == f"http://localhost{link}"
    event = last_event(client, operator, quote["id"])
    assert event["action"] == "accepted"
    assert event["actor"] is None
    assert event["actorLabel"] in (PUBLIC_LABEL_EN, PUBLIC_LABEL_ES)
    assert event["changes"] == {"reason": "Looks right"}
    assert event["at"]
    # The member may now convert it as usual.
    accountant = make_user(role="ACCOUNTANT", organization_id=owner.organization_id)
    invoice = act(client, accountant, f"{QUOTES}/{quote['id']}/convert", 201)["data"]
    assert invoice["total"] == "163.06"


def test_link_rejects_with_a_reason_in_spanish(app, client, make_user):
    operator = make_user(role="OPERATOR")
    quote, link = sent_quote(client, operator)
    visitor = app.test_client()
    page = visitor.get(link, headers=EN)  # the organisation speaks Spanish
    html = text_of(page)
    assert page.status_code == 200 and '<html lang="es">' in html
    assert "Aceptar cotización" in html and "Rechazar cotización" in html
    assert "Tu respuesta" in html and "Accept quote" not in html
    assert "100,00" in html

    answer = visitor.post(
        f"{link}/reject",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "reason": "Muy caro"},
    )
    assert answer.status_code == 200
    assert "Gracias: la cotización fue rechazada." in text_of(answer)
    assert visitor.get(link).status_code == 200

    data = detail(client, operator, quote["id"])
    assert (data["status"], data["decisionReason"], data["publicUrl"]) == (
        "REJECTED",
        "Muy caro",
        f"http://localhost{link}",
    )
    event = last_event(client, operator, quote["id"])
    assert (event["action"], event["actor"], event["actorLabel"]) == (
        "rejected",
        None,
        PUBLIC_LABEL_ES,
    )
    assert event["changes"] == {"reason": "Muy caro"}
    # A member can no longer decide either.
    late = act(client, operator, f"{QUOTES}/{quote['id']}/accept", 409, "INVALID_STATE")
    assert late["error"] == "Solo las cotizaciones enviadas se pueden aceptar o rechazar"


def test_the_reason_is_optional(app, client, make_user):
    operator = make_user(role="OPERATOR")
    quote, link = sent_quote(client, operator)
    visitor = app.test_client()
    token = csrf_from(visitor.get(link).get_data(as_text=True))
    assert visitor.post(f"{link}/accept", data={"csrf_token": token}).status_code == 200
    data = detail(client, operator, quote["id"])
    assert data["status"] == "ACCEPTED" and data["decisionReason"] is None
    assert last_event(client, operator, quote["id"])["changes"] == {}


def test_a_refused_answer_changes_nothing(app, client, make_user):
    operator = make_user(role="OPERATOR")
    quote, link = sent_quote(client, operator)
    visitor = app.test_client()
    page = visitor.get(link)
    token = csrf_from(page.get_data(as_text=True))

    no_csrf = visitor.post(f"{link}/accept", data={"reason": "ok"})
    assert no_csrf.status_code == 400
    too_long = visitor.post(f"{link}/reject", data={"csrf_token": token, "reason": "x" * 1001})
    assert too_long.status_code == 400
    assert "Debe tener como máximo 1000 caracteres" in text_of(too_long)

    data = detail(client, operator, quote["id"])
    assert data["status"] == "SENT" and data["publicUrl"] == f"http://localhost{link}"
    assert visitor.get(link).status_code == 200  # still answerable


def test_expired_links_say_so_and_unknown_ones_are_404(app, client, make_user):
    operator = make_user(role="OPERATOR")
    customer = new_customer(client, operator)
    response = client.post(QUOTES, json=past_quote_body(customer), headers=bearer(operator))
    expired = assert_envelope(response, 201)["data"]
    sent = act(client, operator, f"{QUOTES}/{expired['id']}/send")["data"]
    assert sent["status"] == "EXPIRED" and sent["publicUrl"]
    with app.app_context():
        token = db.session.scalar(select(Quote.public_token).where(Quote.public_id == sent["id"]))
    assert token  # it was sent, so it has a link, which says it expired and takes no answer
    expired_page = app.test_client().get(f"/q/{token}")
    assert expired_page.status_code == 200
    assert "Esta cotización venció el" in text_of(expired_page)
    assert 'name="reason"' not in text_of(expired_page)

    draft = create_quote(client, operator, customer)
    assert draft["publicUrl"] is None

    visitor = app.test_client()
    for path in (
        f"/q/{secrets.token_urlsafe(32)}",
        "/q/" + "a" * 100,
    ):
        assert visitor.get(path).status_code == 404, path
        assert visitor.post(f"{path}/accept", data={}).status_code in (400, 404)
    # …and a random token is 404 even with a valid CSRF token.
    live, link = sent_quote(client, operator)
    csrf = csrf_from(visitor.get(link).get_data(as_text=True))
    random_path = f"/q/{secrets.token_urlsafe(32)}"
    answer = visitor.post(f"{random_path}/accept", data={"csrf_token": csrf})
    assert answer.status_code == 404
    expired_answer = visitor.post(f"/q/{token}/accept", data={"csrf_token": csrf})
    assert expired_answer.status_code == 303
    data = detail(client, operator, expired["id"])
    assert data["status"] == "EXPIRED"
    assert detail(client, operator, live["id"])["status"] == "SENT"


def test_public_decision_label_follows_whoever_reads_the_history(app, client, make_user):
    # Stored as a key, shown in the reader's language: not the visitor's, not frozen.
    owner = make_user(role="OWNER")
    set_org_locale(client, owner, "en")
    quote, link = sent_quote(client, owner)
    visitor = app.test_client()
    page = visitor.get(link, headers=ES)
    token = csrf_from(page.get_data(as_text=True))
    assert visitor.post(f"{link}/accept", data={"csrf_token": token}, headers=ES).status_code == 200
    history = f"{QUOTES}/{quote['id']}/history"
    english = client.get(history, headers=bearer(owner, **{"Accept-Language": "en"}))
    assert assert_envelope(english, 200)["data"]["items"][-1]["actorLabel"] == PUBLIC_LABEL_EN
    spanish = client.get(history, headers=bearer(owner, **ES))
    assert assert_envelope(spanish, 200)["data"]["items"][-1]["actorLabel"] == PUBLIC_LABEL_ES


def test_public_page_escapes_what_members_wrote(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner, "<script>alert(1)</script>")
    quote = create_quote(
        client, owner, customer, [{"description": "<b>x</b>", "quantity": 1, "unitPrice": 1}]
    )
    link = path_of(act(client, owner, f"{QUOTES}/{quote['id']}/send")["data"]["publicUrl"])
    raw = app.test_client().get(link).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw and "<b>x</b>" not in raw
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", raw)


def test_a_members_decision_shows_on_the_link(app, client, make_user):
    operator = make_user(role="OPERATOR")
    quote, link = sent_quote(client, operator)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    act(client, operator, f"{QUOTES}/{quote['id']}/reject", json={"reason": "Cancelado"})
    shown = visitor.get(link)
    assert shown.status_code == 200 and "Cancelado" in text_of(shown)
    assert "Esta cotización fue rechazada el" in text_of(shown)


def test_public_links_come_from_the_base_url_never_from_the_host_header(make_app, make_user):
    app = make_app(BASE_URL="https://portal.example.com")
    client = app.test_client()
    owner = make_user(role="OWNER")
    customer = client.post(
        "/api/v1/customers",
        json={"name": "Cliente", "email": "c@example.com"},
        headers=bearer(owner),
    ).get_json()["data"]["id"]
    body = {"customerId": customer, "lines": [{"description": "A", "quantity": 1, "unitPrice": 5}]}
    quote = client.post("/api/v1/quotes", json=body, headers=bearer(owner)).get_json()["data"]
    forged = {**bearer(owner), "Host": "evil.example.net", "X-Forwarded-Host": "evil.example.net"}
    sent = client.post(f"/api/v1/quotes/{quote['id']}/send", headers=forged)
    url = assert_envelope(sent, 200)["data"]["publicUrl"]
    assert url.startswith("https://portal.example.com/q/"), url
