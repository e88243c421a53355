"""The API's OpenAPI 3.1 description, built from the running application.

``spec.describe(app)`` walks the URL map under ``/api/v1``: each route's view carries its
permission, PRO gate and idempotency (``security.permissions.require``, ``security.plans
.require_pro``, ``idempotency.services.idempotent``); ``operations`` declares the rest once
(summary, body form, answer, conflicts); request bodies come from the forms themselves
(``formschema``) and answers from ``schemas``. ``spec.drift`` names the routes and the
description's operations that do not match, so a test keeps the two together.
"""
