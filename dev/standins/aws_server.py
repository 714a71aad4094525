"""The local AWS endpoint: moto in server mode, with a Comprehend and a Rekognition that
look at their input.

Moto answers DetectSentiment with one canned NEUTRAL score whatever the text, and
DetectLabels with one canned "Mobile Phone" whatever the image (it does not even read
the S3 object). This stand-in scores text with a small word list, and labels an image
by the colours it really has, read from the S3 object in moto's own S3 with the real
service's rules: JPEG or PNG only, 15 MB by S3 reference, 5 MB inline, MaxLabels and
MinConfidence. So local rows differ the way real ones do (Enron's intro reads NEGATIVE,
a red logo is labelled Red) and tests can tell one result from another. Everything else
is moto unchanged: DynamoDB and S3 over real HTTP.

Run: ``python -m dev.standins.aws_server --port 8950``
"""

from __future__ import annotations

import argparse
import re
from typing import Any

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
            try:
                stored = backend.get_object(location["Bucket"], location["Name"])
            except Exception:  # moto raises a different error per missing bucket/key
                stored = None
            if stored is None:
                raise JsonRESTError(
                    "InvalidS3ObjectException", "Unable to get object metadata from S3."
                )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8950)
    args = parser.parse_args()
    install_text_sentiment()
    install_image_labels()
    from moto.server import main as moto_main

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
