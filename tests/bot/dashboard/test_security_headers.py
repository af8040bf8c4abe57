"""The dashboard's security headers: every one, once, on dashboard paths (also errors and the
stylesheet); none on the bot's other routes, which the middleware passes straight through."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.dashboard import SECURITY_HEADERS


def test_dashboard_paths_carry_each_header_once_and_other_routes_none(
    client: TestClient,
) -> None:
    for path in ("/dasbor", "/dasbor/tidak-ada", "/masuk/x", "/keluar", "/static/dashboard.css"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get_list(name) == [value], (path, name)
    for path in ("/healthz", "/webhooks/twilio", "/docs"):
        response = client.get(path)
        assert not set(map(str.lower, SECURITY_HEADERS)) & set(response.headers), path
