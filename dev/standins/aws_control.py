"""Client of the AWS stand-in's ``/__control__`` API: calls counted by operation, latency,
outages."""

from __future__ import annotations

import requests


class AwsControl:
    """Read and reset the stand-in's call counts; add latency to every AWS answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _stats(self) -> dict:
        response = requests.get(f"{self.base_url}/__control__/stats", timeout=5)
        response.raise_for_status()
        return response.json()

    def counted(self) -> dict[str, int]:
        """Calls since the last reset by operation, as the stand-in names them:
        ``Comprehend_20171127.BatchDetectSentiment`` (JSON services), ``s3 PUT`` (REST)."""
        return self._stats()["calls"]

    def calls(self, operation: str) -> int:
        """Calls of ``operation`` since the last reset (``BatchDetectSentiment``, ...)."""
        return sum(n for name, n in self.counted().items() if name.rsplit(".", 1)[-1] == operation)

    def reset(self) -> None:
        requests.delete(f"{self.base_url}/__control__/stats", timeout=5).raise_for_status()

    def latency(
        self,
        seconds: float,
        services: dict[str, float] | None = None,
        operations: dict[str, float] | None = None,
    ) -> None:
        """Every answer ``seconds`` late; a call of one of ``services`` (``dynamodb``,
        ``s3``) or ``operations`` (``BatchDetectSentiment``) that long instead (the
        operation's wins). A call replaces what the last one set."""
        body = {"seconds": seconds, "services": services or {}, "operations": operations or {}}
        response = requests.post(f"{self.base_url}/__control__/latency", json=body, timeout=5)
        response.raise_for_status()

    def outage(self, seconds: float, service: str | None = None) -> None:
        """Every AWS call, or only those of ``service`` (``logs``, ``s3``, as calls are
        signed), answers HTTP 503 for the next ``seconds`` (a reset ends it)."""
        response = requests.post(
            f"{self.base_url}/__control__/outage",
            json={"seconds": seconds, "service": service},
            timeout=5,
        )
        response.raise_for_status()

    def refused(self) -> int:
        """Calls answered 503 by an outage since the last reset."""
        return self._stats()["refused"]

    def denied(self) -> list[str]:
        """Calls IAM refused since the last reset (an enforcing stand-in,
        ``dev/enforcing_aws.py``), in order: ``"<user ARN> <action>"``."""
        return self._stats()["denied"]
