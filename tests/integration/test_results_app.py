"""The results pages as Airflow's API server serves them: its app built by Airflow's
``create_app`` with the plugin loaded from ``plugins/``, driven with FastAPI's TestClient,
the data in the AWS stand-in.

Nothing without a login; image names that are not an image id are 404 before any S3
call; empty, missing or broken data is a page that says so.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from html import unescape

import pytest

from dev import results_data
from enrichment import aws, storage
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings

BASE = "/enrichment-results"
DAYS = results_data.dates("2026-11-05", 4)
IMAGE_ID = "ab" * 32


@pytest.fixture(scope="module")
def airflow_app(stack, airflow_db):
    from airflow.api_fastapi.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        # The secret Airflow generates into airflow.cfg is 16 bytes, under the 64 PyJWT
        # asks of an HS512 key (InsecureKeyLengthWarning); a deployment sets its own.
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
        yield create_app("core")


@pytest.fixture(scope="module")
def token(airflow_app) -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))


@pytest.fixture(scope="module")
def anonymous(airflow_app):
    from fastapi.testclient import TestClient

    return TestClient(airflow_app)


@pytest.fixture(scope="module")
def client(airflow_app, token):
    """Signed in as the UI is: the JWT in the ``_token`` cookie."""
    from fastapi.testclient import TestClient

    signed_in = TestClient(airflow_app)
    signed_in.cookies.set("_token", token)
    return signed_in


@pytest.fixture(scope="module")
def sentiment(bootstrapped) -> tuple[SentimentSettings, list[str]]:
    settings = SentimentSettings(prefix=f"app-{uuid.uuid4().hex[:8]}/")
    names = results_data.seed_sentiment(aws.s3_client(), settings, 20, DAYS)
    return settings, names


@pytest.fixture(scope="module")
def images(bootstrapped) -> tuple[ImageLabelsSettings, list[str]]:
    from enrichment.bootstrap import ensure_table

    suffix = uuid.uuid4().hex[:8]
    settings = ImageLabelsSettings(
        labels_table=f"app_labels_{suffix}", image_prefix=f"app-{suffix}/"
    )
    ensure_table(aws.dynamodb_client(), settings.labels_table, "image_id")
    ids = results_data.seed_images(aws.s3_client(), settings, 6, DAYS[-1], "https://example.org")
    return settings, ids


def text(html: str) -> str:
    """The page's words, without tags and entities."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


PAGES = [
    "/",
    "/company?name=Company+0001",
    "/images",
    f"/images/{IMAGE_ID}",
    f"/image-files/{IMAGE_ID}.png",
    "/runs/company_sentiment/manual__2026-11-05",
]


@pytest.mark.parametrize("path", PAGES)
def test_nothing_without_a_login(anonymous, path, aws_control):
    response = anonymous.get(BASE + path)

    assert response.status_code == 401
    assert aws_control.calls("s3 GET") == 0


@pytest.mark.parametrize("path", PAGES[:1])
def test_a_forged_token_is_refused(anonymous, path):
    from fastapi.testclient import TestClient

    forged = TestClient(anonymous.app)
    forged.cookies.set("_token", "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl")
    assert forged.get(BASE + path).status_code in (401, 403)


def test_the_rest_apis_bearer_token_works_too(anonymous, token, sentiment):
    settings, _ = sentiment
    response = anonymous.get(
        f"{BASE}/", params={"prefix": settings.prefix}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_airflow_lists_the_plugin_and_its_views(client, token):
    headers = {"Authorization": f"Bearer {token}"}
    plugins = client.get("/api/v2/plugins", headers=headers).json()["plugins"]
    errors = client.get("/api/v2/plugins/importErrors", headers=headers).json()

    (plugin,) = [p for p in plugins if p["name"] == "enrichment_results"]
    assert errors["import_errors"] == []
    assert plugin["fastapi_apps"][0]["url_prefix"] == BASE
    views = {view["url_route"]: view for view in plugin["external_views"]}
    assert views["enrichment-results"]["category"] == "browse"
    assert views["enrichment-results-run"]["destination"] == "dag_run"
    assert "{RUN_ID}" in views["enrichment-results-run"]["href"]


def test_overview_lists_every_company_with_a_chart(client, sentiment):
    settings, names = sentiment

    response = client.get(f"{BASE}/", params={"prefix": settings.prefix})

    assert response.status_code == 200
    assert all(f">{name}</a>" in response.text for name in names)
    assert response.text.count('<svg class="spark"') == len(names)
    changed = re.findall(r'<tr class="changed">\s*<td><a[^>]*>([^<]+)</a>', response.text)
    expected = [
        name
        for number, name in enumerate(names)
        if results_data.company_row(name, number, 3).sentiment
        != results_data.company_row(name, number, 2).sentiment
    ]
    assert changed == expected
    assert changed  # the seed changes some companies on the last date
    # Every link keeps the page's settings.
    assert f"prefix={settings.prefix.replace('/', '%2F')}" in response.text


def test_overview_filters(client, sentiment):
    settings, names = sentiment
    params = {"prefix": settings.prefix, "sentiment": "NEGATIVE", "name": "company 00"}

    response = client.get(f"{BASE}/", params=params)

    shown = re.findall(r'<td><a href="[^"]*/company\?[^"]*">([^<]+)</a>', response.text)
    expected = [
        name
        for number, name in enumerate(names)
        if results_data.company_row(name, number, 3).sentiment == "NEGATIVE"
        and name.startswith("Company 00")
    ]
    assert shown == expected
    assert 0 < len(shown) < len(names)

    response = client.get(f"{BASE}/", params={"prefix": settings.prefix, "status": "done"})
    assert response.status_code == 400
    assert "unknown status 'done'" in text(response.text)


def test_company_page_has_every_date_and_a_wikipedia_link(client, sentiment, stack):
    settings, names = sentiment

    response = client.get(f"{BASE}/company", params={"name": names[1], "prefix": settings.prefix})

    assert response.status_code == 200
    for ds in DAYS:
        assert f"<td>{ds}</td>" in response.text
    # The wiki of the wikipedia_default connection: here the stand-in.
    site = stack.url("wikipedia")
    assert f'href="{site}/wiki/Company_0001"' in response.text
    assert '<svg class="chart"' in response.text


def test_a_company_page_names_each_revision_and_links_the_article_changes(client, sentiment, stack):
    """Company 0001 changes sentiment every 3 days with a new revision; Company 0008's
    scores change on the same revision (every 9th), which is said, not linked."""
    settings, names = sentiment
    site = stack.url("wikipedia")

    changed = client.get(f"{BASE}/company", params={"name": names[1], "prefix": settings.prefix})
    same = client.get(f"{BASE}/company", params={"name": names[8], "prefix": settings.prefix})

    assert "2000000" in changed.text  # the revision of the first dates, named
    assert f'href="{site}/w/index.php?diff=2000001&amp;oldid=2000000"' in changed.text
    assert "article changed" in changed.text
    assert "scores changed, same revision" in same.text
    assert "/w/index.php?diff=" not in same.text


@pytest.mark.parametrize(
    ("params", "says"),
    [
        pytest.param({"prefix": "nothing-here/"}, "No result files for table", id="empty-prefix"),
        pytest.param({"bucket": "no-such-bucket-xyz"}, "the bucket does not exist", id="no-bucket"),
        pytest.param({"bucket": "x"}, "bucket: 'x' is too short", id="invalid-bucket"),
        pytest.param({"dates": "many"}, "dates: Input should be a valid integer", id="bad-dates"),
        pytest.param({"dates": "0"}, "dates must be between 1 and 90, not 0", id="no-dates"),
    ],
)
def test_no_data_is_a_readable_page(client, bootstrapped, params, says):
    response = client.get(f"{BASE}/", params=params)

    assert response.status_code in (200, 400)
    assert says in text(response.text)


def test_a_corrupt_file_is_named_on_the_page(client, bootstrapped):
    settings = SentimentSettings(prefix=f"app-corrupt-{uuid.uuid4().hex[:6]}/")
    s3 = aws.s3_client()
    results_data.seed_sentiment(s3, settings, 2, DAYS[:1])
    key = results_data.write_sentiment(s3, settings, DAYS[1], [])
    storage.put_bytes(s3, settings.bucket, key, b"id,price\n1,2\n", "text/csv")

    response = client.get(f"{BASE}/", params={"prefix": settings.prefix})

    assert response.status_code == 200
    assert f"ds={DAYS[1]}" in response.text
    assert "not a company_sentiment result file: no column name" in response.text
    assert ">Company 0001</a>" in response.text


def test_gallery_filters_by_label(client, images):
    settings, ids = images
    params = {"labels_table": settings.labels_table, "image_prefix": settings.image_prefix}

    everything = client.get(f"{BASE}/images", params=params)
    cars = client.get(f"{BASE}/images", params=params | {"label": "Car"})

    assert everything.status_code == 200
    assert sorted(re.findall(r'data-image-id="([0-9a-f]{64})"', everything.text)) == sorted(ids)
    # Car: images 0 and 3 of the six (see results_data.seed_images).
    assert sorted(re.findall(r'data-image-id="([0-9a-f]{64})"', cars.text)) == sorted(
        [ids[0], ids[3]]
    )
    assert "Car 98%" in text(cars.text)


def test_the_navigation_links_every_pipeline_and_marks_this_one(client, images):
    settings, _ = images

    response = client.get(f"{BASE}/images", params={"labels_table": settings.labels_table})

    nav = re.search(r"<nav>.*</nav>", response.text, re.S).group()
    links = re.findall(r'<a href="([^"]*)" class="(active)?">([^<]*)</a>', nav)
    carry = f"?labels_table={settings.labels_table}"
    assert links == [
        (f"{BASE}/{carry}", "", "Company sentiment"),
        (f"{BASE}/reviews{carry}", "", "Company reviews"),
        (f"{BASE}/images{carry}", "active", "Image labels"),
    ]


def test_image_page_and_its_file(client, images):
    settings, ids = images
    params = {"labels_table": settings.labels_table, "image_prefix": settings.image_prefix}

    page = client.get(f"{BASE}/images/{ids[0]}", params=params)
    src = re.search(r'<img [^>]*src="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    image = client.get(src)

    assert page.status_code == 200
    assert "https://example.org/images/0.png" in page.text
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content == results_data.png(0)


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fsentiment%2Fds%3D2026-11-05%2Ffang_sentiment.csv",
        f"{IMAGE_ID}.csv",
        f"{IMAGE_ID.upper()}.png",
        f"{IMAGE_ID[:-1]}.png",
        f"..{IMAGE_ID}.png",
        "%2e%2e%2fsecret.png",
        f"{IMAGE_ID}.png%00.csv",
    ],
)
def test_anything_but_an_image_id_is_404_without_asking_s3(client, name, aws_control):
    aws_control.reset()

    response = client.get(f"{BASE}/image-files/{name}", params={"image_prefix": "../"})

    assert response.status_code == 404
    assert aws_control.calls("s3 GET") == 0
    assert aws_control.calls("s3 HEAD") == 0


def test_an_unknown_image_is_404(client, images):
    settings, _ = images
    params = {"labels_table": settings.labels_table, "image_prefix": settings.image_prefix}
    assert client.get(f"{BASE}/image-files/{IMAGE_ID}.png", params=params).status_code == 404
    page = client.get(f"{BASE}/images/{IMAGE_ID}", params=params)
    assert page.status_code == 404
    assert "has no image" in page.text


@pytest.mark.parametrize(
    ("table", "says"),
    [
        pytest.param("missing_table_xyz", "the table does not exist", id="no-table"),
        pytest.param(None, "has no images yet", id="empty-table"),
    ],
)
def test_no_images_is_a_readable_page(client, bootstrapped, table, says):
    if table is None:
        from enrichment.bootstrap import ensure_table

        table = f"empty_{uuid.uuid4().hex[:8]}"
        ensure_table(aws.dynamodb_client(), table, "image_id")

    response = client.get(f"{BASE}/images", params={"labels_table": table})

    assert response.status_code == 200
    assert says in text(response.text)


def dag_run(dag_id: str, ds: str, conf: dict) -> str:
    """A run of ``dag_id`` for ``ds`` in the metadata database, as the scheduler records one."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType

    run_id = f"manual__{ds}T00:00:00+00:00-{uuid.uuid4().hex[:6]}"
    when = datetime.fromisoformat(ds).replace(tzinfo=UTC)
    with create_session() as session:
        session.add(
            DagRun(
                dag_id=dag_id,
                run_id=run_id,
                logical_date=when,
                run_after=when,
                conf=conf,
                state=DagRunState.SUCCESS,
                run_type=DagRunType.MANUAL,
            )
        )
    return run_id


def test_run_tab_of_a_company_sentiment_run_shows_its_file(client, sentiment):
    settings, names = sentiment
    run_id = dag_run("company_sentiment", DAYS[2], {"prefix": settings.prefix})

    response = client.get(f"{BASE}/runs/company_sentiment/{run_id}")

    assert response.status_code == 200
    assert f"ds={DAYS[2]}/fang_sentiment.csv" in response.text
    assert all(f">{name}</a>" in response.text for name in names)


def test_run_tab_of_a_date_without_a_file(client, bootstrapped):
    run_id = dag_run("company_sentiment", "2026-01-02", {"prefix": "app-nothing/"})

    response = client.get(f"{BASE}/runs/company_sentiment/{run_id}")

    assert response.status_code == 200
    assert "no result file for 2026-01-02" in response.text


def test_run_tab_of_an_image_labels_run_shows_its_skips(client, images):
    settings, _ = images
    skip = {"url": "http://10.0.0.1/admin", "reason": "refused: private address", "site": "s"}
    results_data.write_summary(aws.s3_client(), settings, DAYS[0], [skip | {"page_url": None}])
    run_id = dag_run("image_labels", DAYS[0], {"report_prefix": settings.report_prefix})

    response = client.get(f"{BASE}/runs/image_labels/{run_id}")

    assert response.status_code == 200
    assert "refused: private address" in response.text
    assert "http://10.0.0.1/admin" in response.text


def test_run_tab_of_an_unknown_run(client):
    response = client.get(f"{BASE}/runs/company_sentiment/no-such-run")
    assert response.status_code == 404
    assert "has no run 'no-such-run'" in text(response.text)


def test_run_tab_of_a_dag_the_page_does_not_show(client):
    run_id = dag_run("another_dag", "2026-01-02", {})

    response = client.get(f"{BASE}/runs/another_dag/{run_id}")

    assert response.status_code == 200
    assert (
        "another_dag writes no result this page shows; it shows company_sentiment, "
        "company_review, image_labels"
    ) in text(response.text)


def test_a_company_page_says_who_chose_its_title(client, bootstrapped, dynamodb):
    """The review attributes of the company's item (company_review's): who chose the
    title and when, or who said there is no article; a table without it says nothing."""
    from enrichment.bootstrap import ensure_table

    table = f"app_companies_{uuid.uuid4().hex[:8]}"
    settings = SentimentSettings(prefix=f"app-{uuid.uuid4().hex[:8]}/", companies_table=table)
    names = results_data.seed_sentiment(aws.s3_client(), settings, 4, DAYS)
    ensure_table(aws.dynamodb_client(), table, "name")
    chosen = {"review_status": "title_chosen", "reviewed_by": "alice"}
    dynamodb.Table(table).put_item(
        Item={
            "name": names[1],
            "wikipedia_title": "Company 0001",
            "reviewed_at": "2026-11-30T10:00:00Z",
        }
        | chosen
    )
    dynamodb.Table(table).put_item(
        Item={"name": names[2], "review_status": "no_article", "reviewed_by": "bob"}
    )
    query = {"prefix": settings.prefix, "companies_table": table}

    first = text(client.get(f"{BASE}/company", params={"name": names[1], **query}).text)
    second = text(client.get(f"{BASE}/company", params={"name": names[2], **query}).text)
    other = client.get(f"{BASE}/company", params={"name": names[3], **query})
    aws.dynamodb_client().delete_table(TableName=table)
    gone = client.get(f"{BASE}/company", params={"name": names[1], **query})

    assert "Title Company 0001 chosen by alice on 2026-11-30T10:00:00Z in a review" in first
    assert "bob said on" in second
    assert "filed no_article" in second
    assert other.status_code == gone.status_code == 200
    assert "chosen by" not in text(other.text)
    assert "said on" not in text(other.text)


def test_the_reviews_page_without_reviews(client, bootstrapped, monkeypatch):
    from enrichment.results_page import review_pages

    # The session's metadata database is shared with tests that ask and answer reviews
    # (tests/integration/test_least_privilege.py, in any order): the page is read, through
    # the same queries, for a DAG id that never ran.
    monkeypatch.setattr(review_pages, "DAG_ID", f"company_review_{uuid.uuid4().hex[:8]}")
    page = text(client.get(f"{BASE}/reviews").text)
    assert "0 waiting for an answer." in page
    assert "No reviews yet" in page
