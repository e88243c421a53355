"""Racing requests against a running server: the database decides, one winner, no 500."""

from concurrent.futures import ThreadPoolExecutor

import requests

from portal.security.passwords import hash_password  # noqa: F401  (warm import in threads)


def test_twenty_sign_ups_with_one_email_give_one_account(live_server):
    payload = {
        "organizationName": "Carrera S.A.",
        "name": "Corredora",
        "email": "race@acme.example.com",
        "password": "password-123",
    }

    def sign_up(n):
        with requests.Session() as http:
            response = http.post(
                f"{live_server.url}/api/v1/auth/register",
                json={**payload, "organizationName": f"Carrera {n}"},
                timeout=60,
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(sign_up, range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, statuses
    assert all(body["code"] == "DUPLICATE_EMAIL" for status, body in results if status == 409)
