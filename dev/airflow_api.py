"""The REST API of a local Airflow: the simple auth manager's login the local runner sets
up (``admin`` / ``admin``), a client of API v2 with its token, and the health check."""

from __future__ import annotations

from typing import Any

USERNAME = PASSWORD = "admin"
# Seconds a REST call may take: an API server on a loaded machine (a compose stack beside
# an Airflow, a browser and the other test stream) has been seen to need over 30.
API_TIMEOUT = 90


class ApiClient:
    """The Airflow REST API v2 with a JWT from the simple auth manager's login."""

    def __init__(self, base_url: str, username: str = USERNAME, password: str = PASSWORD):
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        response = self.session.post(
            f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/api/v2/{path}", timeout=API_TIMEOUT, **kwargs
        )
        if not response.ok:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict) -> Any:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: dict) -> Any:
        return self.request("PATCH", path, json=body)


def health(base_url: str) -> dict[str, str]:
    """Component -> status from ``/api/v2/monitor/health``; empty while it does not answer."""
    import requests

    try:
        response = requests.get(f"{base_url}/api/v2/monitor/health", timeout=5)
    except requests.RequestException:
        return {}
    if response.status_code != 200:
        return {}
    return {name: part.get("status") for name, part in response.json().items()}
