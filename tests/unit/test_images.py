"""Image bytes told apart by their magic numbers and made ready for Rekognition."""

from __future__ import annotations

import hashlib
import io
import random

import pytest
from PIL import Image

from enrichment.image_labels.formats import (
    MAX_REKOGNITION_BYTES,
    MIN_DIMENSION,
    UnusableImage,
    prepare_image,
    sniff_format,
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="90"><rect/></svg>'
XML_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n'
HTML = b"<!doctype html><html><body><p>Named .jpg, served as image/jpeg.</p></body></html>"


def encode(
    fmt: str, size: tuple[int, int] = (120, 90), colour: str = "crimson", **options
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def animated_gif(size: tuple[int, int] = (120, 90)) -> bytes:
    """Three frames, red then green then blue: the first frame is the one to keep."""
    frames = [Image.new("RGB", size, colour).convert("P") for colour in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return buffer.getvalue()


def noise(fmt: str, size: tuple[int, int], **options) -> bytes:
    """Random pixels: every part of the file matters, so a cut anywhere is noticed."""
    pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(encode("JPEG"), "jpeg", id="jpeg"),
        pytest.param(encode("PNG"), "png", id="png"),
        pytest.param(encode("GIF"), "gif", id="gif89a"),
        pytest.param(b"GIF87a" + encode("GIF")[6:], "gif", id="gif87a"),
        pytest.param(encode("WEBP"), "webp", id="webp"),
        pytest.param(SVG, "svg", id="svg"),
        pytest.param(XML_PROLOG + SVG, "svg", id="svg-with-xml-prolog"),
        pytest.param(b"\xef\xbb\xbf\n  " + XML_PROLOG + SVG, "svg", id="svg-with-bom"),
        pytest.param(SVG.upper(), "svg", id="svg-upper-case"),
        pytest.param(HTML, None, id="html-named-jpg"),
        pytest.param(XML_PROLOG + b"<rss><channel/></rss>", None, id="xml-not-svg"),
        pytest.param(b"RIFF\x00\x00\x00\x00WAVEfmt ", None, id="riff-not-webp"),
        pytest.param(encode("BMP"), None, id="bmp"),
        pytest.param(b"\xff\xd8", None, id="two-bytes-of-jpeg"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_sniff_format_goes_by_the_bytes(data, expected):
    assert sniff_format(data) == expected


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        pytest.param("JPEG", "image/jpeg", "jpg", id="jpeg"),
        pytest.param("PNG", "image/png", "png", id="png"),
    ],
)
def test_jpeg_and_png_are_stored_as_downloaded(fmt, content_type, extension):
    data = encode(fmt, size=(300, 200))
    prepared = prepare_image(data)
    assert prepared.data == data
    assert (prepared.content_type, prepared.extension) == (content_type, extension)
    assert (prepared.width, prepared.height) == (300, 200)
    assert prepared.image_id == hashlib.sha256(data).hexdigest()
    assert (prepared.source_format, prepared.converted) == (fmt.lower(), False)


@pytest.mark.parametrize(
    ("data", "source_format"),
    [
        pytest.param(encode("WEBP", size=(300, 200), lossless=True), "webp", id="webp"),
        pytest.param(animated_gif(size=(300, 200)), "gif", id="animated-gif"),
    ],
)
def test_webp_and_gif_are_converted_to_png(data, source_format):
    prepared = prepare_image(data)
    with decode(prepared.data) as stored:
        assert stored.format == "PNG"
        assert stored.size == (300, 200) == (prepared.width, prepared.height)
    assert (prepared.content_type, prepared.extension) == ("image/png", "png")
    assert (prepared.source_format, prepared.converted) == (source_format, True)
    # The id is of the bytes as downloaded: the same picture found again is the same item.
    assert prepared.image_id == hashlib.sha256(data).hexdigest()
    assert prepare_image(data).image_id == prepared.image_id


def test_an_animated_gif_is_labelled_by_its_first_frame():
    with decode(prepare_image(animated_gif()).data) as stored:
        assert stored.convert("RGB").getpixel((60, 45)) == (255, 0, 0)


def test_a_transparent_gif_stays_transparent():
    frame = Image.new("P", (100, 100), 0)
    frame.putpalette([255, 255, 255, 0, 0, 255])
    frame.paste(1, (0, 0, 50, 100))
    buffer = io.BytesIO()
    frame.save(buffer, "GIF", transparency=0)
    with decode(prepare_image(buffer.getvalue()).data) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((10, 50)) == (0, 0, 255, 255)
        assert stored.getpixel((90, 50))[3] == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(SVG, "SVG is a vector format Rekognition does not take", id="svg"),
        pytest.param(HTML, "not an image (no known magic number)", id="html-named-jpg"),
        pytest.param(b"", "not an image (no known magic number)", id="empty"),
        pytest.param(
            encode("PNG", size=(79, 300)),
            f"79x300 px is below Rekognition's {MIN_DIMENSION} px",
            id="too-narrow",
        ),
        pytest.param(
            encode("GIF", size=(300, 40)), "300x40 px is below Rekognition's 80 px", id="too-short"
        ),
    ],
)
def test_unusable_images_are_skipped_with_a_reason(data, reason):
    with pytest.raises(UnusableImage) as unusable:
        prepare_image(data)
    assert unusable.value.reason == reason


@pytest.mark.parametrize(
    ("fmt", "cut"),
    [
        pytest.param("PNG", 0.6, id="png"),
        pytest.param("JPEG", 0.6, id="jpeg"),
        pytest.param("WEBP", 0.6, id="webp"),
        pytest.param("PNG", 0.05, id="png-header-only"),
    ],
)
def test_a_truncated_download_does_not_decode(fmt, cut):
    """A download cut short still starts with the right magic number."""
    whole = noise(fmt, (200, 200))
    with pytest.raises(UnusableImage) as unusable:
        prepare_image(whole[: int(len(whole) * cut)])
    assert unusable.value.reason.startswith(f"{fmt.lower()} that does not decode (")


def test_the_smallest_image_rekognition_takes_is_prepared():
    prepared = prepare_image(encode("PNG", size=(MIN_DIMENSION, MIN_DIMENSION)))
    assert (prepared.width, prepared.height) == (80, 80)


def test_an_image_over_rekognitions_byte_limit_is_skipped():
    side = 2300  # uncompressed noise: 2300 x 2300 x 3 bytes is just over 15 MB
    data = noise("PNG", (side, side), compress_level=0)
    assert len(data) > MAX_REKOGNITION_BYTES
    with pytest.raises(UnusableImage) as unusable:
        prepare_image(data)
    assert unusable.value.reason == f"{len(data)} bytes is above Rekognition's 15 MB limit"
