"""Client of the Wikipedia stand-in's ``/__control__`` API: faults, latency, edits and the
request log."""

from __future__ import annotations

import requests


class WikipediaControl:
    """Queue faults for titles, save edits, read back the requests the stand-in received."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: dict | None = None):
        response = requests.request(method, self.base_url + path, json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def fault(self, title: str, status: int = 503, count: int = 1, **extra) -> None:
        self._call(
            "POST",
            "/__control__/faults",
            {"title": title, "status": status, "count": count, **extra},
        )

    def outage(self, seconds: float, status: int = 503, **extra) -> None:
        """Every request answers ``status`` for the next ``seconds``."""
        self.fault("*", status=status, count=0, seconds=seconds, **extra)

    def edit(self, title: str, wikitext: str, text: str | None = None) -> int:
        """Save a revision of ``title`` now (creating the page if it has none); its revid.
        ``text`` is the intro prop=extracts answers from then on (empty without it)."""
        body = {"title": title, "wikitext": wikitext}
        if text is not None:
            body["text"] = text
        return self._call("POST", "/__control__/edit", body)["revid"]

    def requests(self) -> list[dict]:
        return self._call("GET", "/__control__/requests")

    def stats(self) -> dict:
        """Requests since the last reset (in all, and ``requests_by_mode``: latest, history,
        revids, extracts, links, search), and the most ever in flight at once."""
        return self._call("GET", "/__control__/stats")

    def latency(self, seconds: float) -> None:
        """Every answer from now on takes ``seconds`` (a far-away server)."""
        self._call("POST", "/__control__/latency", {"seconds": seconds})

    def reset(self) -> None:
        """Forget faults, the request log, the in-flight peak and the edits."""
        self._call("DELETE", "/__control__/faults")
