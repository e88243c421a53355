"""The JSON of answers (``portal.jsonio``): orjson, reading exactly as Flask's encoder did."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from portal.jsonio import PortalJSONProvider


@dataclasses.dataclass
class Pair:
    left: int
    right: str


SAMPLES = [
    {"success": True, "message": "Solicitud completada", "data": None, "errors": None},
    {"z": 1, "a": 2, "m": [3, {"y": "Ñandú", "b": "€ \u2028 \u0000 \"'<>&"}]},
    {"when": datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "day": date(2027, 1, 1)},
    {"amount": Decimal("1234.50"), "pair": Pair(1, "dos"), "html": Markup("<b>x</b>")},
    {"big": 2**70, "small": -(2**65)},  # beyond orjson's 64 bits: Flask's encoder writes it
    [1.5, -0.0, 1e300, True, False, None, "", []],
]


def test_answers_mean_what_flasks_encoder_wrote(app):
    """For every sample, the body parses to the same value as Flask's own encoder gives,
    keys in the same order; only the ``\\u`` escapes of non-ASCII text are gone."""
    with app.app_context():
        ours, flasks = PortalJSONProvider(app), DefaultJSONProvider(app)
        flasks.sort_keys = False
        for sample in SAMPLES:
            body = ours.response(sample).get_data()
            expected = flasks.response(sample).get_data()
            assert body.endswith(b"\n")
            assert json.loads(body) == json.loads(expected)
            assert list(_keys(json.loads(body))) == list(_keys(json.loads(expected)))
            assert ours.dumps(sample) == body.decode().rstrip("\n")


def test_text_is_utf8_not_escaped(app):
    with app.app_context():
        body = PortalJSONProvider(app).response({"name": "Núñez"}).get_data()
    assert "Núñez".encode() in body


def test_what_cannot_be_written_is_still_an_error(app):
    with app.app_context():
        provider = PortalJSONProvider(app)
        for bad in ({"x": object()}, {"x": {1, 2}}):
            try:
                provider.response(bad)
            except TypeError:
                continue
            raise AssertionError(f"{bad!r} was written")


def test_the_api_answers_through_it(app, client):
    assert isinstance(app.json, PortalJSONProvider)
    response = client.get("/api/v1/nothing-here")
    assert response.mimetype == "application/json"
    assert response.get_json()["success"] is False


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)
