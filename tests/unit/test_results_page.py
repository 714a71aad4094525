"""The results page's pure parts: reading result files from their bytes, what counts as a
change, the filters, the image table's items, which image names reach S3, and the SVG."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from dev.results_data import company_row
from enrichment.company_sentiment import result_file
from enrichment.company_sentiment.result_file import FORMATS
from enrichment.company_sentiment.rows import COLUMNS, Row
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.results_page import charts, image_gallery, sentiment_history
from enrichment.results_page.sentiment_history import Filters, History

IMAGE_ID = "ab" * 32
HEADER = ",".join(result_file.REQUIRED_COLUMNS) + "\n"


def row(name: str, sentiment: str | None = "POSITIVE", status: str = "ok") -> Row:
    return Row(name, name, "text", sentiment, 0.9, 0.1, 0.0, 0.0, status=status)


def history(*dates: tuple[str, list[Row]]) -> History:
    return History(
        dates=[ds for ds, _ in dates],
        rows={ds: {r.name: r for r in rows} for ds, rows in dates},
        problems={},
        files={},
    )


def test_the_columns_read_are_columns_the_pipeline_writes():
    assert set(result_file.REQUIRED_COLUMNS) <= set(COLUMNS)


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_a_result_file_reads_back_as_written(file_format):
    written = [company_row("Acme", 0, 0), company_row("Initech", 49, 0)]  # ok, not_found
    data = FORMATS[file_format].encode(written)

    parsed = result_file.parse(data, file_format)

    assert parsed.problem is None
    acme, initech = parsed.rows["Acme"], parsed.rows["Initech"]
    assert (acme.status, acme.sentiment, acme.positive) == ("ok", "POSITIVE", pytest.approx(0.55))
    assert (initech.status, initech.sentiment, initech.positive) == ("not_found", None, None)
    assert initech.error == "no such page"
    assert acme.error is None  # an empty field is no error


@pytest.mark.parametrize(
    ("data", "file_format", "problem"),
    [
        pytest.param(b"\xff\xfe\x00garbage", "csv", "not UTF-8", id="binary-as-csv"),
        pytest.param(b"id,price\n1,2\n", "csv", "no column name", id="foreign-csv"),
        pytest.param(b"", "csv", "no column name", id="empty-csv"),
        pytest.param(b"PAR1 not really", "parquet", "not a readable Parquet", id="bad-parquet"),
        pytest.param(
            (
                ",".join(result_file.REQUIRED_COLUMNS) + "\nAcme,A,s,POSITIVE,high,0,0,0,ok,\n"
            ).encode(),
            "csv",
            "positive is 'high', not a number",
            id="text-score",
        ),
        pytest.param(
            (",".join(result_file.REQUIRED_COLUMNS) + "\nA,,,,,,,,ok,\nA,,,,,,,,ok,\n").encode(),
            "csv",
            "'A' appears twice",
            id="duplicate-company",
        ),
    ],
)
def test_a_file_that_is_not_a_result_file_is_a_problem_not_an_exception(data, file_format, problem):
    parsed = result_file.parse(data, file_format)

    assert parsed.rows == {}
    assert problem in parsed.problem


def test_a_change_is_between_a_companys_latest_date_and_the_date_before():
    lines = sentiment_history.company_lines(
        history(
            ("2026-11-01", [row("Acme"), row("Initech"), row("Umbrella")]),
            ("2026-11-02", [row("Acme", "NEGATIVE"), row("Initech"), row("Hooli")]),
        )
    )
    by_name = {line.name: line for line in lines}

    assert [line.name for line in lines] == ["Acme", "Hooli", "Initech", "Umbrella"]
    assert by_name["Acme"].changed
    assert by_name["Acme"].previous.sentiment == "POSITIVE"
    assert not by_name["Initech"].changed
    assert not by_name["Hooli"].changed  # new: nothing to change from
    assert by_name["Umbrella"].latest_ds == "2026-11-01"  # gone since: its last row
    assert [r is not None for _, r in by_name["Hooli"].series] == [False, True]


def test_a_status_change_is_a_change():
    lines = sentiment_history.company_lines(
        history(
            ("2026-11-01", [row("Acme")]),
            ("2026-11-02", [row("Acme", None, "error")]),
        )
    )
    assert lines[0].changed


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        pytest.param(Filters(), ["Acme", "Hooli", "Initech"], id="none"),
        pytest.param(Filters(status="error"), ["Hooli"], id="status"),
        pytest.param(Filters(sentiment="NEGATIVE"), ["Acme"], id="sentiment"),
        pytest.param(Filters(changed=True), ["Hooli"], id="changed-on-the-latest-date"),
        pytest.param(Filters(name="in"), ["Initech"], id="name-any-case"),
        pytest.param(Filters(status="ok", sentiment="POSITIVE"), ["Initech"], id="both"),
    ],
)
def test_filters(filters, kept):
    lines = sentiment_history.company_lines(
        history(
            ("2026-11-01", [row("Acme"), row("Initech"), row("Hooli")]),
            ("2026-11-02", [row("Acme", "NEGATIVE"), row("Initech"), row("Hooli")]),
            ("2026-11-03", [row("Acme", "NEGATIVE"), row("Initech"), row("Hooli", None, "error")]),
        )
    )
    assert [line.name for line in lines if filters.keep(line)] == kept


def test_an_unknown_filter_value_is_refused():
    with pytest.raises(ValueError, match="unknown status 'done'"):
        Filters(status="done")


def test_sentiment_counts_per_date():
    counts = sentiment_history.sentiment_counts(
        history(("2026-11-01", [row("Acme"), row("Initech", "MIXED"), row("Hooli", None, "error")]))
    )
    assert counts == [
        ("2026-11-01", {"POSITIVE": 1, "NEGATIVE": 0, "NEUTRAL": 0, "MIXED": 1, "none": 1})
    ]


def item(**values) -> dict:
    return {
        "image_id": IMAGE_ID,
        "s3_uri": f"s3://b/images/{IMAGE_ID}.png",
        "site": "sample",
        "width": Decimal(200),
        "height": Decimal(100),
        "labels": [
            {"name": "Logo", "confidence": Decimal("81.5"), "parents": []},
            {"name": "Text", "confidence": Decimal("99.1"), "parents": ["Document"]},
        ],
        "label_names": {"Logo", "Text"},
        "first_seen_ds": "2026-11-01",
        "last_seen_ds": "2026-11-02",
    } | values


def test_an_item_becomes_an_image_with_labels_by_confidence():
    image = image_gallery.image_from_item(item())

    assert [label.name for label in image.labels] == ["Text", "Logo"]
    assert image.labels[0].parents == ("Document",)
    assert (image.width, image.height, image.extension) == (200, 100, "png")


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"image_id": "x"}, id="not-an-id"),
        pytest.param({"image_id": 5}, id="not-a-string"),
    ],
)
def test_an_item_that_is_not_an_image_is_left_out(values):
    assert image_gallery.image_from_item(item(**values)) is None


def test_an_item_with_odd_attributes_still_shows():
    image = image_gallery.image_from_item(
        item(labels="oops", label_names=None, width="wide", s3_uri=None, content_type="image/jpeg")
    )
    assert (image.labels, image.label_names, image.width, image.extension) == (
        (),
        frozenset(),
        None,
        "jpg",
    )


def test_gallery_filters_by_label_and_site():
    images = [
        image_gallery.image_from_item(item(image_id=f"{n:064x}", site=site, label_names=names))
        for n, (site, names) in enumerate([("a", {"Logo"}), ("a", {"Car", "Logo"}), ("b", {"Car"})])
    ]
    found = image_gallery.gallery(images, image_gallery.GalleryFilters(label="Car", site="a"))

    assert [image.image_id for image in found.images] == [f"{1:064x}"]
    assert found.labels == [("Car", 2), ("Logo", 2)]
    assert found.sites == ["a", "b"]


@pytest.mark.parametrize(
    "file_name",
    [
        pytest.param("../secret.png", id="dot-dot"),
        pytest.param(f"{IMAGE_ID}.svg", id="other-extension"),
        pytest.param(f"{IMAGE_ID.upper()}.png", id="upper-case"),
        pytest.param(f"{IMAGE_ID}0.png", id="65-hex"),
        pytest.param(f"{IMAGE_ID}.png/../x", id="suffix"),
        pytest.param(f"{IMAGE_ID}", id="no-extension"),
        pytest.param(f"{IMAGE_ID}.png.png", id="two-extensions"),
    ],
)
def test_only_an_image_id_with_its_extension_names_an_object(file_name):
    assert image_gallery.image_object_key(ImageLabelsSettings(), file_name) is None


def test_an_image_id_names_its_object_under_the_image_prefix():
    key = image_gallery.image_object_key(ImageLabelsSettings(), f"{IMAGE_ID}.jpg")
    assert key == f"images/{IMAGE_ID}.jpg"


def test_a_sparkline_breaks_where_a_date_has_no_score():
    svg = charts.sparkline({"positive": [0.0, 1.0, None, 0.5, None, 0.25]})

    (path,) = re.findall(r' d="([^"]*)"', svg)
    assert path.count("M") == 1  # one run of two points joined; the others are dots
    assert svg.count("<circle") == 2
    assert svg.startswith("<svg")
    assert "script" not in svg


def test_chart_text_is_escaped():
    svg = charts.score_chart(["<b>-11-01"], {"positive": [0.5]})
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg


def revised(sentiment: str | None, revision: int | None) -> Row:
    return Row(
        "Acme",
        "Acme",
        "text",
        sentiment,
        0.9,
        0.1,
        0.0,
        0.0,
        status="ok",
        wikipedia_revision_id=revision,
    )


@pytest.mark.parametrize(
    ("previous", "latest", "change"),
    [
        pytest.param(None, revised("POSITIVE", 2), None, id="first-date"),
        pytest.param(revised("POSITIVE", 1), revised("POSITIVE", 2), None, id="edit-same-mood"),
        pytest.param(revised("POSITIVE", 1), revised("NEGATIVE", 2), "article", id="edited"),
        pytest.param(revised("POSITIVE", 2), revised("NEGATIVE", 2), "scores", id="same-rev"),
        pytest.param(revised("POSITIVE", None), revised("NEGATIVE", None), "article", id="old"),
    ],
)
def test_a_change_is_the_articles_or_the_scores(previous, latest, change):
    """Files written before rows named their revision count as article changes."""
    assert sentiment_history.change(latest, previous) == change


def test_a_company_page_compares_each_date_with_the_last_one_that_has_a_row():
    series = [
        ("2026-11-01", revised("POSITIVE", 1)),
        ("2026-11-02", None),
        ("2026-11-03", revised("NEGATIVE", 2)),
    ]
    dates = sentiment_history.company_dates(series)
    assert [(d.ds, d.change, d.previous_revision_id) for d in dates] == [
        ("2026-11-01", None, None),
        ("2026-11-02", None, None),
        ("2026-11-03", "article", 1),
    ]


def test_rows_name_their_revision_and_older_files_read_without_one():
    text = HEADER.strip() + ",wikipedia_revision_id,wikipedia_revision_timestamp\n"
    text += "Acme,Acme,x,POSITIVE,0.9,0.1,0,0,ok,,42,2026-11-01T10:00:00Z\n"
    (acme,) = result_file.read_csv(text.encode()).values()
    assert (acme.wikipedia_revision_id, acme.wikipedia_revision_timestamp) == (
        42,
        "2026-11-01T10:00:00Z",
    )
    old = HEADER + "Acme,Acme,x,POSITIVE,0.9,0.1,0,0,ok,\n"
    assert result_file.read_csv(old.encode())["Acme"].wikipedia_revision_id is None
