"""The yardstick: a bare Flask JSON endpoint, served by the same gunicorn settings as the portal.

``GET /bare/products`` answers the shape of ``GET /api/v1/products?limit=50`` (the envelope
around 50 product-like items and a cursor) built in memory: no database, no identity, no
extensions. Whatever the portal costs on top of this is the portal's own work.

Served by ``bench/harness.py`` as ``gunicorn --pythonpath bench bare_app:app``.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)
app.json.sort_keys = False

ITEMS = [
    {
        "id": f"prod_{index:024x}",
        "name": f"Tornillo hexagonal acero {index:06d}",
        "sku": f"SKU-{index:06d}",
        "price": f"{index % 1000}.50",
        "taxRate": "16.00",
        "unit": "pza",
        "active": True,
        "createdAt": "2026-01-01T00:00:00+00:00",
    }
    for index in range(50)
]
CURSOR = "WyJUb3JuaWxsbyBoZXhhZ29uYWwgYWNlcm8gMDAwMDQ5IiwgInByb2RfMDAwMDAwIl0"


@app.get("/bare/products")
def products():
    body = {
        "success": True,
        "message": "Solicitud completada",
        "data": {"items": ITEMS, "nextCursor": CURSOR},
        "errors": None,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
