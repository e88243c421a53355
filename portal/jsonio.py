"""The JSON of the portal's answers: orjson, where Flask would use ``json.dumps``.

Serialising the envelope was a tenth of a 50-row listing's time; orjson does it about
ten times faster (``docs/benchmarks.md``). What comes out means the same as before: keys in
the order given, compact, a final newline, and whatever ``json.dumps`` could not write
natively (dates, decimals, lazy strings, dataclasses) goes through Flask's own ``default``,
so it reads exactly as it did. Text is written as UTF-8 rather than ``\\u`` escapes, which
JSON allows and every client reads the same. What orjson refuses (an integer beyond 64 bits,
a non-string key) falls back to Flask's encoder; so do the debug mode's indented answers and
any call with arguments (Jinja's ``tojson``).
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from portal.sqljson import JSONText

# Dates and dataclasses go to Flask's default (HTTP dates, asdict), as json.dumps sent them.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_flask_default = DefaultJSONProvider.default


def _default(o: Any) -> Any:
    """For orjson: JSON the database wrote (``portal.sqljson``) goes in as it is."""
    if isinstance(o, JSONText):
        return o.fragment()
    return _flask_default(o)


class PortalJSONProvider(DefaultJSONProvider):
    sort_keys = False  # the envelope's order: success, message, data, errors

    @staticmethod
    def default(o: Any) -> Any:
        """For Flask's own encoder: JSON the database wrote is read back first."""
        if isinstance(o, JSONText):
            return o.value()
        return _flask_default(o)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:
            return super().dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        app = cast(Flask, self._app)
        if self.compact is False or (self.compact is None and app.debug):
            return cast(Response, super().response(*args, **kwargs))
        obj = self._prepare_response_obj(args, kwargs)
        return app.response_class(self._encode(obj) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=_default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return super().dumps(obj, separators=(",", ":")).encode()
