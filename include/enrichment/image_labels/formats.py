"""Image bytes made ready for Rekognition: format told by magic numbers, converted if needed.

Rekognition's DetectLabels takes JPEG and PNG only. A file's extension and the server's
Content-Type are claims; the first bytes are the evidence. WebP and GIF (first frame)
are converted to PNG with Pillow; SVG is a vector format and is skipped with a reason.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

# Rekognition's documented limits for an image passed by S3 reference.
MAX_REKOGNITION_BYTES = 15 * 1024 * 1024
MIN_DIMENSION = 80
# Formats sent as they are: magic-number name -> (Content-Type, extension).
SENT_AS_IS = {"jpeg": ("image/jpeg", "jpg"), "png": ("image/png", "png")}
CONVERTED_TO_PNG = frozenset({"webp", "gif"})


class UnusableImage(ValueError):
    """The bytes cannot be labelled; ``reason`` is recorded as the skip reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff_format(data: bytes) -> str | None:
    """``jpeg``, ``png``, ``gif``, ``webp`` or ``svg`` from the first bytes, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "svg"
    return None


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to store and label. ``image_id`` is the SHA-256 of the bytes as
    downloaded, so the same picture under two URLs (or converted twice) is one item."""

    image_id: str
    data: bytes
    source_format: str
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def converted(self) -> bool:
        return self.source_format not in SENT_AS_IS


def prepare_image(data: bytes) -> PreparedImage:
    """Check ``data`` by its bytes and return what to store; raises :class:`UnusableImage`."""
    from PIL import Image, UnidentifiedImageError

    source_format = sniff_format(data)
    if source_format is None:
        raise UnusableImage("not an image (no known magic number)")
    if source_format == "svg":
        raise UnusableImage("SVG is a vector format Rekognition does not take")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes now, so a truncated file fails here and not later
            width, height = image.size
            if source_format in CONVERTED_TO_PNG:
                # GIF: the first frame; RGBA keeps transparency that RGB would blacken.
                image.seek(0)
                out = io.BytesIO()
                image.convert("RGBA").save(out, format="PNG")
                stored = out.getvalue()
            else:
                stored = data
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnusableImage(f"{source_format} that does not decode ({error})") from error
    if min(width, height) < MIN_DIMENSION:
        raise UnusableImage(f"{width}x{height} px is below Rekognition's {MIN_DIMENSION} px")
    if len(stored) > MAX_REKOGNITION_BYTES:
        raise UnusableImage(f"{len(stored)} bytes is above Rekognition's 15 MB limit")
    stored_format = "png" if source_format in CONVERTED_TO_PNG else source_format
    content_type, extension = SENT_AS_IS[stored_format]
    return PreparedImage(
        image_id=hashlib.sha256(data).hexdigest(),
        data=stored,
        source_format=source_format,
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
    )
