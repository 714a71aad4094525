"""The local AWS endpoint: moto in server mode, with a Comprehend and a Rekognition that
look at their input.

Moto answers DetectSentiment with one canned NEUTRAL score whatever the text, and
DetectLabels with one canned "Mobile Phone" whatever the image (it does not even read
the S3 object). This stand-in scores text with a small word list, and labels an image
by the colours it really has, read from the S3 object in moto's own S3 with the real
service's rules: JPEG or PNG only, 15 MB by S3 reference, 5 MB inline, MaxLabels and
MinConfidence. So local rows differ the way real ones do (Enron's intro reads NEGATIVE,
a red logo is labelled Red) and tests can tell one result from another. Moto has no
BatchDetectSentiment at all; this stand-in answers it with the same scorer and the real
service's shape: up to 25 documents, per-document failures in ``ErrorList``. Everything
else is moto unchanged: DynamoDB and S3 over real HTTP.

IAM is not enforced unless ``POST /moto-api/reset-auth`` turns it on (``dev/enforcing_aws.py``
starts a second instance that way, for the least-privilege tests): then every call, these
two included, needs an IAM user's key whose policies allow it, with AWS's refusals, and
DetectLabels reads its S3 object only if the caller may (``dev/standins/aws_iam.py``).

A control API under ``/__control__/`` adds latency to every AWS answer (a far-away
region), or to one service's or operation's (a benchmark's realistic latencies), makes
every AWS call, or one service's (``{"service": "logs"}``), answer 503 for a while
(``POST /__control__/outage``) and counts the calls per operation (``GET
/__control__/stats``, reset with ``DELETE``; with IAM enforced, also the calls it refused:
``denied``), for tests and benchmarks to see what the pipeline asked for.

Run: ``python -m dev.standins.aws_server --port 8950``
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from dev.standins import aws_iam
from dev.standins.aws_iam import S3_UNREADABLE, caller_may, install_iam_fidelity

POSITIVE_WORDS = frozenset(
    """
    acclaimed award award-winning best breakthrough influential innovative largest leading
    popular powerful successful valuable pioneer flagship
    """.split()
)
NEGATIVE_WORDS = frozenset(
    """
    bankruptcy cheating collapse collapsed controversy convicted crashes criminal criticised
    defrauding fatal fines fraud guilty lawsuits losses penalties rogue scandal scandals spills
    misinformation crisis
    """.split()
)
WORD = re.compile(r"[a-z][a-z-]*")
MAX_BYTES = 5000
# The service in a SigV4 signature: Credential=<key>/<date>/<region>/<service>/aws4_request.
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
# BatchDetectSentiment's limit on documents per call.
MAX_BATCH_DOCUMENTS = 25
# Rekognition's limits: image bytes by S3 reference / inline, and the smallest side.
MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024
MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024
COLOURS = {
    "Red": (220, 40, 40),
    "Orange": (245, 140, 30),
    "Yellow": (240, 220, 40),
    "Green": (40, 170, 70),
    "Blue": (40, 90, 220),
    "Purple": (140, 60, 180),
    "Pink": (240, 130, 180),
    "Brown": (120, 75, 40),
    "White": (245, 245, 245),
    "Gray": (128, 128, 128),
    "Black": (15, 15, 15),
}


def score_sentiment(text: str) -> dict[str, Any]:
    """A DetectSentiment response for ``text`` from counts of positive and negative words."""
    words = WORD.findall(text.lower())
    positive = sum(word in POSITIVE_WORDS for word in words)
    negative = sum(word in NEGATIVE_WORDS for word in words)
    weights = {
        "Positive": float(positive),
        "Negative": float(negative),
        "Neutral": 1.0,
        # Text that is both praised and criticised reads as MIXED, as Comprehend's does.
        "Mixed": 2.0 * min(positive, negative),
    }
    total = sum(weights.values())
    scores = {name: round(weight / total, 6) for name, weight in weights.items()}
    label = max(scores, key=lambda name: scores[name]).upper()
    return {"Sentiment": label, "SentimentScore": scores}


def install_text_sentiment() -> None:
    """Replace moto's canned DetectSentiment with :func:`score_sentiment`."""
    from moto.comprehend import models
    from moto.comprehend.exceptions import TextSizeLimitExceededException

    original = models.ComprehendBackend.detect_sentiment

    def detect_sentiment(self, text: str, language: str) -> dict[str, Any]:
        original(self, "", language)  # keeps moto's language validation
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:  # the real service counts bytes, not characters
            raise TextSizeLimitExceededException(size)
        return score_sentiment(text)

    models.ComprehendBackend.detect_sentiment = detect_sentiment


def batch_sentiment(texts: list[str]) -> dict[str, Any]:
    """A BatchDetectSentiment response: a result per scorable document, an error per
    empty or oversized one (the rest of the batch is still answered)."""
    results, errors = [], []
    for index, text in enumerate(texts):
        size = len(text.encode("utf-8"))
        if not text.strip() or size > MAX_BYTES:
            message = "empty document" if not text.strip() else f"{size} bytes > {MAX_BYTES}"
            errors.append({"Index": index, "ErrorCode": "INVALID_REQUEST", "ErrorMessage": message})
        else:
            results.append({"Index": index, **score_sentiment(text)})
    return {"ResultList": results, "ErrorList": errors}


def install_batch_sentiment() -> None:
    """Give moto the BatchDetectSentiment it lacks, scored by :func:`score_sentiment`."""
    import json

    from moto.comprehend.responses import ComprehendResponse
    from moto.core.exceptions import JsonRESTError

    def batch_detect_sentiment(self: ComprehendResponse) -> str:
        texts = self._get_param("TextList") or []
        language = self._get_param("LanguageCode")
        self.comprehend_backend.detect_sentiment("", language)  # moto's language validation
        if not 1 <= len(texts) <= MAX_BATCH_DOCUMENTS:
            raise JsonRESTError(
                "BatchSizeLimitExceededException",
                f"{len(texts)} documents; a batch holds 1 to {MAX_BATCH_DOCUMENTS}",
            )
        return json.dumps(batch_sentiment(texts))

    ComprehendResponse.batch_detect_sentiment = batch_detect_sentiment


def label_image(data: bytes, max_labels: int, min_confidence: float) -> list[dict[str, Any]]:
    """DetectLabels ``Labels`` for ``data``: its colours (share of pixels) and, for busy
    images, ``Pattern``. Raises ValueError for what Rekognition rejects as a format."""
    import io

    from PIL import Image

    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        raise ValueError("Request has invalid image format")
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    pixels = list(rgb.resize((32, 32)).get_flattened_data())
    # Busy is judged on a corner at full resolution: resizing averages noise into gray.
    corner = list(rgb.crop((0, 0, 32, 32)).get_flattened_data())
    shares: dict[str, float] = {}
    for pixel in pixels:
        name = min(
            COLOURS, key=lambda c: sum((a - b) ** 2 for a, b in zip(COLOURS[c], pixel, strict=True))
        )
        shares[name] = shares.get(name, 0.0) + 1 / len(pixels)
    labels = [
        {"Name": name, "Confidence": round(50 + 50 * share, 3), "Parents": [{"Name": "Color"}]}
        for name, share in shares.items()
    ]
    distinct = len(set(corner)) / len(corner)
    if distinct > 0.5:
        labels.append({"Name": "Pattern", "Confidence": round(100 * distinct, 3), "Parents": []})
    labels = [label for label in labels if label["Confidence"] >= min_confidence]
    labels.sort(key=lambda label: (-label["Confidence"], label["Name"]))
    return [
        label | {"Aliases": [], "Categories": [], "Instances": []} for label in labels[:max_labels]
    ]


def install_image_labels() -> None:
    """Replace moto's canned DetectLabels with :func:`label_image` on the real bytes."""
    import base64
    import json

    from moto.core.exceptions import JsonRESTError
    from moto.rekognition.responses import RekognitionResponse
    from moto.s3.models import s3_backends

    def detect_labels(self: RekognitionResponse) -> str:
        image = self._get_param("Image") or {}
        if "S3Object" in image:
            location = image["S3Object"]
            backend = s3_backends[self.current_account][self.partition]
            # Rekognition reads the object with the caller's permissions.
            arn = f"arn:{self.partition}:s3:::{location['Bucket']}/{location['Name']}"
            stored = None
            if caller_may(self, "s3:GetObject", arn):
                try:
                    stored = backend.get_object(location["Bucket"], location["Name"])
                except Exception:  # moto raises a different error per missing bucket/key
                    stored = None
            if stored is None:
                raise JsonRESTError("InvalidS3ObjectException", S3_UNREADABLE)
            data, limit = stored.value, MAX_S3_IMAGE_BYTES
        else:
            data, limit = base64.b64decode(image.get("Bytes", "")), MAX_INLINE_IMAGE_BYTES
        if len(data) > limit:
            raise JsonRESTError("ImageTooLargeException", "Image size is too large.")
        try:
            labels = label_image(
                data,
                max_labels=int(self._get_param("MaxLabels") or 1000),
                min_confidence=float(self._get_param("MinConfidence") or 55),
            )
        except (ValueError, OSError) as error:
            raise JsonRESTError("InvalidImageFormatException", str(error)) from error
        return json.dumps({"Labels": labels, "LabelModelVersion": "3.0"})

    RekognitionResponse.detect_labels = detect_labels


class Control:
    """WSGI middleware in front of moto: latency on every answer, calls counted by
    operation (``X-Amz-Target`` for JSON services, else the method and the service
    host's first label), and the ``/__control__/`` routes that set and read them."""

    def __init__(self, app) -> None:
        import threading

        self.app = app
        self.lock = threading.Lock()
        self.latency = 0.0
        # Latency of one service's calls (``dynamodb``, ``s3``, as the signature names it)
        # or one operation's (``BatchDetectSentiment``), over the one above.
        self.service_latency: dict[str, float] = {}
        self.operation_latency: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        # Until this time.monotonic(), every AWS call answers 503 (an outage); or only the
        # calls of ``down_service`` (``logs``, ``s3``: as the signature names it) if set.
        self.down_until = 0.0
        self.down_service: str | None = None
        self.refused = 0
        # DynamoDB applies each write's condition and the write as one step; moto's
        # DynamoDB takes no lock, so two conditional writes served by two threads at once
        # could both pass (two holders of one request slot). One DynamoDB call at a time,
        # after its latency, makes the stand-in as atomic as the service.
        self.dynamodb = threading.Lock()

    def __call__(self, environ, start_response):
        import time

        path = environ.get("PATH_INFO", "")
        if path.startswith("/__control__/"):
            return self._control(environ, path, start_response)
        if not path.startswith("/moto-api/"):  # health checks stay fast and uncounted
            operation = environ.get("HTTP_X_AMZ_TARGET") or self._rest_operation(environ)
            with self.lock:
                self.calls[operation] = self.calls.get(operation, 0) + 1
                latency = self._latency(environ, operation)
                down = time.monotonic() < self.down_until and (
                    self.down_service in (None, self._service(environ))
                )
                self.refused += down
            time.sleep(latency)
            if down:
                return self._unavailable(environ, start_response)
            if operation.startswith("DynamoDB_"):
                with self.dynamodb:
                    return list(self.app(environ, start_response))
        return self.app(environ, start_response)

    def _latency(self, environ, operation: str) -> float:
        """The latency of one call: its operation's (the action of ``X-Amz-Target``), else
        its service's, else every call's."""
        action = operation.rpartition(".")[2] if "." in operation else None
        if action in self.operation_latency:
            return self.operation_latency[action]
        return self.service_latency.get(self._service(environ), self.latency)

    @staticmethod
    def _unavailable(environ, start_response):
        """HTTP 503 as AWS answers it: JSON services with ``__type``, REST ones in XML;
        botocore's standard retry mode retries both."""
        if environ.get("HTTP_X_AMZ_TARGET"):
            body = b'{"__type": "ServiceUnavailableException", "message": "outage"}'
            content_type = "application/x-amz-json-1.1"
        else:
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
                b"<Message>outage</Message></Error>"
            )
            content_type = "application/xml"
        start_response("503 Service Unavailable", [("Content-Type", content_type)])
        return [body]

    @staticmethod
    def _service(environ) -> str:
        """The service a call is signed for (``s3``, ``logs``, ``dynamodb``, ...)."""
        scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        return scope.group(1) if scope else "unsigned"

    @classmethod
    def _rest_operation(cls, environ) -> str:
        """``s3 PUT`` and the like: the service from the signature's credential scope."""
        return f"{cls._service(environ)} {environ['REQUEST_METHOD']}"

    def _control(self, environ, path: str, start_response):
        import json
        import time

        method = environ["REQUEST_METHOD"]
        with self.lock:
            if path == "/__control__/latency" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                asked = json.loads(environ["wsgi.input"].read(length))
                self.latency = float(asked["seconds"])
                self.service_latency = {k: float(v) for k, v in asked.get("services", {}).items()}
                self.operation_latency = {
                    k: float(v) for k, v in asked.get("operations", {}).items()
                }
                body = {
                    "latency": self.latency,
                    "services": self.service_latency,
                    "operations": self.operation_latency,
                }
            elif path == "/__control__/outage" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                asked = json.loads(environ["wsgi.input"].read(length))
                self.down_until = time.monotonic() + float(asked["seconds"])
                self.down_service = asked.get("service")
                body = {"outage": asked["seconds"], "service": self.down_service}
            elif path == "/__control__/stats" and method == "GET":
                body = {
                    "calls": dict(self.calls),
                    "latency": self.latency,
                    "refused": self.refused,
                    "denied": list(aws_iam.DENIED),
                }
            elif path == "/__control__/stats" and method == "DELETE":
                self.calls.clear()
                aws_iam.DENIED.clear()
                self.down_until = 0.0
                self.down_service = None
                self.refused = 0
                body = {"reset": True}
            else:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b"{}"]
        payload = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [payload]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8950)
    args = parser.parse_args()
    install_text_sentiment()
    install_batch_sentiment()
    install_image_labels()
    install_iam_fidelity()
    # moto.server.main's own set-up, with the control middleware in front of moto's app.
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = Control(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
