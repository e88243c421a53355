"""The Spanish catalogue is complete, compiled and really used."""

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "_l": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="es")


def test_every_msgid_has_a_spanish_translation():
    untranslated = [m.id for m in _catalogue() if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_every_text_in_the_code_is_in_the_catalogue():
    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS
        )
        if isinstance(message, str)
    }
    known = {m.id for m in _catalogue() if m.id}
    assert sorted(found - known) == []


def test_spanish_really_comes_out_of_the_compiled_catalogue(app):
    assert (CATALOGUE.with_suffix(".mo")).exists(), "run `make compile-translations`"
    with app.test_request_context("/"):
        with force_locale("es"):
            assert _("Validation failed") == "La validación falló"
        with force_locale("en"):
            assert _("Validation failed") == "Validation failed"


def _translations(mo: bytes) -> dict:
    def hashable(value):  # plural forms come back as lists
        return tuple(value) if isinstance(value, list) else value

    return {
        (m.context, hashable(m.id)): hashable(m.string) for m in read_mo(io.BytesIO(mo)) if m.id
    }


def test_the_committed_compiled_catalogue_matches_the_po():
    """A checkout speaks Spanish without ``make``: the ``.mo`` is committed, so it must be current.

    Compared as catalogues, not bytes: the header names the Babel version that compiled it.
    """
    for po in sorted(ROOT.glob("translations/*/LC_MESSAGES/messages.po")):
        compiled = io.BytesIO()
        with po.open("rb") as handle:
            write_mo(compiled, read_po(handle, locale=po.parent.parent.name))
        committed = po.with_suffix(".mo")
        assert committed.exists(), f"run `make compile-translations` and commit {committed}"
        stale = (
            _translations(compiled.getvalue()).items()
            ^ _translations(committed.read_bytes()).items()
        )
        assert not stale, (
            f"run `make compile-translations` and commit {committed}: {sorted(stale, key=repr)[:5]}"
        )


def test_wtforms_own_messages_are_localised(app):
    class Probe(FlaskForm):
        field = StringField(validators=[DataRequired()])

    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        form = Probe(meta={"csrf": False}, formdata=None)
        form.validate()
        assert form.field.errors == ["Este campo es obligatorio."]


def test_default_locale_is_spanish_and_configurable(make_app):
    spanish = make_app().test_client().get("/login")
    assert 'lang="es"' in spanish.get_data(as_text=True)
    english = make_app(BABEL_DEFAULT_LOCALE="en").test_client().get("/login")
    assert 'lang="en"' in english.get_data(as_text=True)
