"""The results page's data layer against the AWS stand-in: result partitions in CSV and
Parquet, what changed between dates, unreadable files, a missing bucket, the ETag cache;
the image table, its images streamed from S3 and a run's crawl summary."""

from __future__ import annotations

import uuid

import pytest

from dev import results_data
from enrichment import aws, storage
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.results_page import image_gallery, sentiment_history
from enrichment.results_page.sentiment_history import ParsedFiles

DAYS = results_data.dates("2026-11-05", 5)


@pytest.fixture
def settings(bootstrapped) -> SentimentSettings:
    """An empty prefix of the seeded bucket."""
    return SentimentSettings(prefix=f"results-{uuid.uuid4().hex[:8]}/")


@pytest.fixture(scope="module")
def s3_client(bootstrapped):
    return aws.s3_client()


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_history_of_the_last_dates_in_either_format(s3_client, settings, file_format):
    names = results_data.seed_sentiment(s3_client, settings, 12, DAYS, file_format)

    history = sentiment_history.load_history(s3_client, settings, 3, ParsedFiles())

    assert history.dates == DAYS[-3:]
    assert history.problems == {}
    lines = sentiment_history.company_lines(history)
    assert [line.name for line in lines] == names
    for number, line in enumerate(lines):
        expected = results_data.company_row(line.name, number, len(DAYS) - 1)
        assert (line.latest.status, line.latest.sentiment) == (
            expected.status,
            expected.sentiment,
        )
        before = results_data.company_row(line.name, number, len(DAYS) - 2)
        assert line.changed == (before.sentiment != expected.sentiment)
    assert any(line.changed for line in lines)
    assert not all(line.changed for line in lines)


def test_dates_switching_format_read_as_one_history(s3_client, settings):
    results_data.seed_sentiment(s3_client, settings, 3, DAYS[:2], "csv")
    results_data.seed_sentiment(s3_client, settings, 3, DAYS[2:], "parquet")

    history = sentiment_history.load_history(s3_client, settings, 30, ParsedFiles())

    assert history.readable_dates == DAYS
    assert {file.file_format for file in history.files.values()} == {"csv", "parquet"}


def test_an_unreadable_date_is_a_problem_and_the_others_still_show(s3_client, settings):
    results_data.seed_sentiment(s3_client, settings, 3, DAYS[:3])
    corrupt = results_data.write_sentiment(s3_client, settings, DAYS[1], [])
    storage.put_bytes(s3_client, settings.bucket, corrupt, b"\x00\xff\x00", "text/csv")
    foreign = results_data.write_sentiment(s3_client, settings, DAYS[2], [])
    storage.put_bytes(s3_client, settings.bucket, foreign, b"id,price\n1,9.99\n", "text/csv")
    # Another table's file and a stray object in a partition are not this table's dates.
    other = SentimentSettings(prefix=settings.prefix, companies_table="other")
    results_data.write_sentiment(s3_client, other, DAYS[3], [results_data.company_row("X", 0, 0)])
    storage.put_bytes(s3_client, settings.bucket, f"{settings.prefix}ds={DAYS[4]}/x", b"", "a/b")

    history = sentiment_history.load_history(s3_client, settings, 30, ParsedFiles())

    assert history.dates == DAYS[:3]
    assert history.readable_dates == DAYS[:1]
    assert "not UTF-8" in history.problems[DAYS[1]]
    assert "no column name" in history.problems[DAYS[2]]
    assert corrupt in history.problems[DAYS[1]]


def test_a_partition_with_both_formats_is_read_once_with_a_note(s3_client, settings):
    results_data.seed_sentiment(s3_client, settings, 2, DAYS[:1], "csv")
    results_data.seed_sentiment(s3_client, settings, 2, DAYS[:1], "parquet")

    key, parsed = sentiment_history.read_date(s3_client, settings, DAYS[0], ParsedFiles())

    assert len(parsed.rows) == 2
    assert "fang_sentiment.csv and fang_sentiment.parquet" in parsed.problem
    assert key.endswith(".csv")


def test_a_date_without_a_file_says_where_it_looked(s3_client, settings):
    key, parsed = sentiment_history.read_date(s3_client, settings, "2026-01-01", ParsedFiles())

    assert parsed.rows == {}
    assert parsed.problem == (
        f"no result file for 2026-01-01 (looked for s3://fangsentiment/{key})"
    )


def test_a_missing_bucket_is_an_aws_error_the_page_explains(s3_client):
    from botocore.exceptions import ClientError

    missing = SentimentSettings(bucket=f"no-such-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ClientError) as raised:
        sentiment_history.load_history(s3_client, missing, 30, ParsedFiles())
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


def test_files_are_fetched_again_only_when_their_etag_changes(s3_client, settings, aws_control):
    results_data.seed_sentiment(s3_client, settings, 5, DAYS)
    cache = ParsedFiles()
    aws_control.reset()

    first = sentiment_history.load_history(s3_client, settings, 30, cache)
    assert aws_control.calls("s3 GET") == 1 + len(DAYS)  # the listing and every file
    aws_control.reset()
    again = sentiment_history.load_history(s3_client, settings, 30, cache)
    assert aws_control.calls("s3 GET") == 1  # the listing only
    assert again.rows == first.rows

    rewritten = [results_data.company_row("Only One", 0, 0)]
    results_data.write_sentiment(s3_client, settings, DAYS[-1], rewritten)
    aws_control.reset()
    after = sentiment_history.load_history(s3_client, settings, 30, cache)
    assert aws_control.calls("s3 GET") == 2  # the listing and the rewritten file
    assert list(after.rows[DAYS[-1]]) == ["Only One"]


@pytest.fixture(scope="module")
def images(bootstrapped, s3_client) -> tuple[ImageLabelsSettings, list[str]]:
    """A table of its own with 12 labelled images, their files under a prefix of its own."""
    from enrichment.bootstrap import ensure_table

    suffix = uuid.uuid4().hex[:8]
    settings = ImageLabelsSettings(
        labels_table=f"labels_{suffix}",
        image_prefix=f"images-{suffix}/",
        report_prefix=f"reports-{suffix}/",
    )
    ensure_table(aws.dynamodb_client(), settings.labels_table, "image_id")
    ids = results_data.seed_images(s3_client, settings, 12, "2026-11-05", "https://example.org")
    return settings, ids


def test_the_gallery_scans_every_image_and_filters_by_label_and_site(images):
    settings, ids = images

    scanned = image_gallery.scan_images(aws.dynamodb_client(), settings.labels_table)
    found = image_gallery.gallery(scanned, image_gallery.GalleryFilters(label="Car", site="site-b"))

    assert sorted(image.image_id for image in scanned) == sorted(ids)
    # Car is label 3 of the list: images 3 and 11 (n % 8 == 3) and 0 and 8 ((n + 3) % 8 == 3).
    assert sorted(image.image_id for image in found.images) == sorted([ids[3], ids[11]])
    assert dict(found.labels)["Car"] == 4
    assert found.sites == ["site-a", "site-b"]
    image = next(image for image in scanned if image.image_id == ids[3])
    assert [(label.name, label.confidence) for label in image.labels] == [
        ("Car", 98.5),
        ("Sky", 81.25),
    ]
    assert (image.first_seen_ds, image.source_url) == (
        "2026-11-05",
        "https://example.org/images/3.png",
    )


def test_one_image_by_id_and_its_bytes_from_s3(images, s3_client):
    settings, ids = images
    dynamodb = aws.dynamodb_client()

    image = image_gallery.get_image(dynamodb, settings.labels_table, ids[0])
    key = image_gallery.image_object_key(settings, f"{ids[0]}.{image.extension}")
    opened = image_gallery.open_image(s3_client, settings.bucket, key)

    assert b"".join(opened.chunks) == results_data.png(0)
    assert opened.content_type == "image/png"
    assert image_gallery.get_image(dynamodb, settings.labels_table, "0" * 64) is None
    assert image_gallery.open_image(s3_client, settings.bucket, f"{key}.missing") is None


def test_the_scan_is_reused_until_a_run_writes_its_summary(images, s3_client, aws_control):
    settings, ids = images
    dynamodb = aws.dynamodb_client()
    scans = image_gallery.ScannedImages()
    aws_control.reset()

    assert len(image_gallery.cached_scan(s3_client, dynamodb, settings, scans)) == len(ids)
    assert len(image_gallery.cached_scan(s3_client, dynamodb, settings, scans)) == len(ids)
    assert aws_control.calls("Scan") == 1

    results_data.write_summary(s3_client, settings, "2026-11-06", [])
    image_gallery.cached_scan(s3_client, dynamodb, settings, scans)
    assert aws_control.calls("Scan") == 2


def test_a_runs_crawl_summary(images, s3_client):
    settings, _ = images
    skip = {"url": "file:///etc/passwd", "reason": "refused", "site": "a", "page_url": None}
    written = results_data.write_summary(s3_client, settings, "2026-11-07", [skip])

    key, summary = image_gallery.read_summary(s3_client, settings, "2026-11-07")

    assert key == written
    assert (summary["skipped"], summary["skips"], summary["labelled"]) == (1, [skip], 2)


def test_a_missing_or_broken_summary_says_so(images, s3_client):
    settings, _ = images
    with pytest.raises(image_gallery.UnreadableSummary, match="no crawl summary for 2026-01-01"):
        image_gallery.read_summary(s3_client, settings, "2026-01-01")
    key = f"{settings.report_prefix}ds=2026-01-02/summary.json"
    storage.put_bytes(s3_client, settings.bucket, key, b"{not json", "application/json")
    with pytest.raises(image_gallery.UnreadableSummary, match="is not JSON"):
        image_gallery.read_summary(s3_client, settings, "2026-01-02")
