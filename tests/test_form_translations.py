"""WTForms' own messages come in the request's language from a catalogue read once per
process and language (``portal.forms.PortalForm``): the same words flask-wtf gave, without
reading and parsing the catalogue again on every request that builds a form."""

from __future__ import annotations

from unittest import mock

import pytest
from babel import support
from flask_wtf.i18n import translations as flask_wtf_translations
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from portal import forms
from portal.forms import PortalForm


class ChoiceForm(PortalForm):
    kind = IntegerField()


@pytest.mark.parametrize(
    ("language", "message"),
    [("es", "No es un valor entero válido."), ("en", "Not a valid integer value.")],
)
def test_wtforms_messages_speak_the_requests_language_as_flask_wtf_did(app, language, message):
    with app.test_request_context(headers={"Accept-Language": language}):
        form = ChoiceForm(MultiDict({"kind": "z"}), meta={"csrf": False})
        assert not form.validate()
        assert form.kind.errors == [message]
        # Word for word what flask-wtf's own translations give.
        assert flask_wtf_translations.gettext("Not a valid integer value.") == message


def test_the_catalogue_is_read_once_per_language(app):
    forms._wtforms_catalogue.cache_clear()
    real_load = support.Translations.load
    with mock.patch.object(support.Translations, "load", side_effect=real_load) as load:
        for _ in range(3):
            for language in ("es", "en"):
                with app.test_request_context(headers={"Accept-Language": language}):
                    form = ChoiceForm(MultiDict({"kind": "z"}), meta={"csrf": False})
                    form.validate()
    languages = sorted(call.args[1][0] for call in load.call_args_list)
    assert languages == ["en", "es"]


def test_outside_a_request_the_message_is_left_as_written():
    assert forms._TRANSLATIONS.gettext("Not a valid choice.") == "Not a valid choice."
    assert forms._TRANSLATIONS.ngettext("one", "many", 2) == "many"
