"""A document's JSON lines are checked by one ``LineForm`` processed again per line (issue
16.2) rather than a sub-form per line: the answer must be the very one the list of sub-forms
gave, whatever the body, errors (keys, messages, order) and values alike."""

from __future__ import annotations

import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.documents.lines import LINE_LISTS, json_lines, line_entries
from portal.errors import ValidationError
from portal.forms import form_from_json
from portal.invoices.forms import InvoiceForm
from portal.quotes.forms import QuoteForm
from tests.conftest import org_today

CHECKED = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

numbers = st.one_of(
    st.sampled_from(["1", "2.5", "0", "-1", "abc", "1,5", "", " 3 ", "1e3", "NaN", "100.001"]),
    st.integers(-5, 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=1),
)
texts = st.one_of(st.text(max_size=70), st.integers(), st.none(), st.booleans())
line = st.fixed_dictionaries(
    {},
    optional={
        "productId": texts,
        "description": st.one_of(texts, st.text(min_size=495, max_size=505)),
        "quantity": numbers,
        "unitPrice": numbers,
        "discountPercent": numbers,
        "taxPercent": numbers,
        "taxName": texts,
        "surchargePercent": numbers,
        "remove": st.one_of(st.booleans(), st.none(), st.just("y")),
        "unknown": texts,
    },
)
# Lists of objects only: with a non-object item the sub-forms numbered the lines after it
# one too early (see the last test), which is the one difference meant.
lines = st.one_of(
    st.lists(line, max_size=6),
    st.none(),
    st.just("no"),
    st.just({}),
)


def _outcome(form_class, body: dict[str, Any], **options) -> tuple[str, Any]:
    try:
        form = form_from_json(form_class, payload=body, **options)
    except ValidationError as exc:
        return "errors", list((exc.errors or {}).items())
    if options:
        return "lines", json_lines(form)
    return "lines", [entry.data for entry in line_entries(form, drop_blank=False)]


@CHECKED
@given(body_lines=lines, form_class=st.sampled_from([InvoiceForm, QuoteForm]))
def test_json_lines_read_as_the_sub_forms_did(app, body_lines, form_class):
    body = {"customerId": "cus_x", "lines": body_lines}
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert _outcome(form_class, body, item_lists=LINE_LISTS) == _outcome(form_class, body)


def test_a_wrong_item_is_named_by_its_own_place(app):
    """A non-object item is ``lines[i]``; the lines after it keep their own numbers (the
    sub-forms renumbered them, so the keys pointed one line too early)."""
    body = {"customerId": "cus_x", "lines": [7, {"quantity": "abc"}]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        try:
            form_from_json(InvoiceForm, payload=body, item_lists=LINE_LISTS)
        except ValidationError as exc:
            assert [k for k in exc.errors if k.startswith("lines")] == [
                "lines[0]",
                "lines[1].quantity",
            ]
        else:
            raise AssertionError("accepted")


def test_one_sub_form_per_thread_serves_every_request_and_language(app):
    """The lines' sub-form is kept per thread (``forms._checker``): a request after another
    reads only its own lines (nothing left from the last), in its own language, and another
    thread gets its own instance."""
    from portal import forms

    head = {"customerId": "cus_x", "invoiceDate": org_today().isoformat()}
    first = {**head, "lines": [{"description": "A", "discountPercent": "150"}]}
    second = {**head, "lines": [{"description": "B", "quantity": "2"}]}
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert _outcome(InvoiceForm, first, item_lists=LINE_LISTS) == (
            "errors",
            [("lines[0].discount_percent", "Debe estar entre 0 y 100")],
        )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        kind, lines = _outcome(InvoiceForm, second, item_lists=LINE_LISTS)
        assert kind == "lines" and lines[0]["discount_percent"] is None
        assert _outcome(InvoiceForm, first, item_lists=LINE_LISTS)[1] == [
            ("lines[0].discount_percent", "Must be between 0 and 100")
        ]
    from portal.documents.lines import LineForm

    mine = forms._checker(LineForm)
    theirs: list[Any] = []
    worker = threading.Thread(target=lambda: theirs.append(forms._checker(LineForm)))
    worker.start()
    worker.join()
    assert forms._checker(LineForm) is mine and theirs[0] is not mine
