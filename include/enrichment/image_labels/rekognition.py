"""AWS Rekognition DetectLabels, by S3 reference (client from
:func:`enrichment.aws.rekognition_client`).

By S3 reference rather than inline bytes: the image is already in S3, the limit is
15 MB instead of 5 MB, and the bytes do not travel twice. Each call is billed, so the
caller decides which images need one (:mod:`enrichment.image_labels.tasks`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

# The service's answers about one image (not about the request or the service itself):
# such an image becomes a skip with this reason instead of failing its batch.
IMAGE_ERRORS = frozenset(
    {
        "InvalidImageFormatException",
        "ImageTooLargeException",
        "InvalidS3ObjectException",
        "InvalidParameterException",
    }
)


class Label(TypedDict):
    name: str
    confidence: Decimal  # DynamoDB numbers are Decimals; two places is what the UI shows
    parents: list[str]


class ImageRejected(ValueError):
    """Rekognition refused this image; ``reason`` names its error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_labels(response: dict[str, Any]) -> list[Label]:
    """Labels of a DetectLabels response, most confident first."""
    labels = [
        Label(
            name=label["Name"],
            confidence=Decimal(str(round(float(label["Confidence"]), 2))),
            parents=[parent["Name"] for parent in label.get("Parents", [])],
        )
        for label in response.get("Labels", [])
    ]
    return sorted(labels, key=lambda label: (-label["confidence"], label["name"]))


def detect_labels(
    client, bucket: str, key: str, max_labels: int, min_confidence: float
) -> list[Label]:
    """Labels of the image at ``s3://bucket/key``; :class:`ImageRejected` for a bad image."""
    from botocore.exceptions import ClientError

    try:
        response = client.detect_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}},
            MaxLabels=max_labels,
            MinConfidence=min_confidence,
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in IMAGE_ERRORS:
            message = error.response["Error"].get("Message", "")
            raise ImageRejected(f"Rekognition {code}: {message}") from error
        raise
    return parse_labels(response)
