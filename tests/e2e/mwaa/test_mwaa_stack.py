"""Every DAG end to end on Amazon MWAA's versions: Airflow 3.3.1 on Python 3.12 with the
providers of MWAA's image, the package installed from ``make mwaa-package``'s files as
MWAA installs them, its configuration options as the settings, the Wikipedia connection
read from Secrets Manager (``dev/mwaa_local.py``); a real scheduler, triggerer, DAG
processor and API server on PostgreSQL, driven through the REST API.

company_sentiment is backfilled over two past dates, company_review's questions are
answered through the REST API and the answer reaches the companies table, image_labels
labels the sample site's images (whose links to refused addresses the canaries watch),
and the results pages of the plugin show the runs. Fewer companies than the main
end-to-end tests: what this proves is the versions, not the scale.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from dev.airflow_api import USERNAME, ApiClient
from dev.airflow_runs import (
    backfill_runs,
    start_backfill,
    task_instances,
    unpause,
    wait_for_backfill,
    wait_for_run,
)
from dev.mwaa_package import AIRFLOW_VERSION, PYTHON_VERSION
from tests.support import reviews, sentiment_runs
from tests.support.history import in_effect
from tests.support.sentiment_runs import BUCKET, DAG_ID, read_rows

TABLE = "mwaa_companies"
PREFIX = "mwaa/"
# One company Wikipedia knows, one with several articles (a question for a person).
COMPANIES = ["Mercury", "Netflix"]
BACKFILL_DATES = ["2026-11-17", "2026-11-18"]
REVIEW_DATE = "2026-11-25"
IMAGE_CONF = {
    "labels_table": "mwaa_image_labels",
    "image_prefix": "mwaa-images/",
    "report_prefix": "mwaa-reports/",
    "batch_size": 4,
}


@pytest.fixture(scope="module")
def companies_table(stack) -> str:
    return sentiment_runs.companies_table(TABLE, COMPANIES)


@pytest.fixture(scope="module")
def sentiment_on(api: ApiClient) -> None:
    """company_sentiment switched on, its scheduled run of the seeded table stopped at once
    (this module reads tables of its own)."""
    unpause(api, DAG_ID, stop_its_run=True)


def test_airflow_3_3_1_on_python_3_12_loads_the_dags_and_the_plugin(airflow, api):
    assert api.get("version")["version"] == AIRFLOW_VERSION
    python = airflow.installation.bin_dir / "python"
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == PYTHON_VERSION
    assert airflow.import_errors() == {}
    assert sorted(dag["dag_id"] for dag in api.get("dags")["dags"]) == [
        "company_review",
        "company_sentiment",
        "image_labels",
    ]
    (plugin,) = api.get("plugins")["plugins"]
    assert plugin["name"] == "enrichment_results"
    assert plugin["source"] == "$PLUGINS_FOLDER/enrichment_results.py"


def test_a_backfill_writes_each_dates_rows(
    api, sentiment_on, companies_table, s3, aws_control, figures
):
    conf = {"companies_table": companies_table, "prefix": PREFIX}
    aws_control.reset()
    backfill = start_backfill(api, DAG_ID, BACKFILL_DATES[0], BACKFILL_DATES[-1], conf, 2)
    wait_for_backfill(api, backfill["id"])
    # How often the Wikipedia connection was read from Secrets Manager (not asserted:
    # Airflow's caching decides it; docs/deploy_mwaa.md has the figure).
    figures["backfill_get_secret_value_calls"] = aws_control.calls("GetSecretValue")
    figures["backfill_company_runs"] = len(COMPANIES) * len(BACKFILL_DATES)
    runs = backfill_runs(api, DAG_ID)
    assert sorted(runs) == BACKFILL_DATES
    for ds, run in runs.items():
        assert run["state"] == "success", ds
        rows = read_rows(s3, f"{PREFIX}ds={ds}/{companies_table}_sentiment.csv")
        assert {row["name"]: row["status"] for row in rows} == {
            "Mercury": "ambiguous",
            "Netflix": "ok",
        }
        netflix = next(row for row in rows if row["name"] == "Netflix")
        assert int(netflix["wikipedia_revision_id"]) == in_effect("Netflix", ds).revid
        assert netflix["sentiment"]
        enrich = task_instances(api, DAG_ID, run["dag_run_id"], "enrich")
        # In the triggerer, named after its company, on 3.3.1 too.
        assert sorted(ti["rendered_map_index"] for ti in enrich) == COMPANIES


def test_a_review_is_answered_through_the_rest_api(api, sentiment_on, companies_table, dynamodb):
    before = reviews.review_runs(api)
    api.patch(f"dags/{reviews.DAG_ID}", {"is_paused": False})
    conf = {"companies_table": companies_table, "prefix": PREFIX}
    body = {"logical_date": f"{REVIEW_DATE}T00:00:00Z", "conf": conf}
    sentiment = api.post(f"dags/{DAG_ID}/dagRuns", body)
    assert wait_for_run(api, DAG_ID, sentiment["dag_run_id"])["state"] == "success"
    run_id = reviews.new_review_run(api, before)["dag_run_id"]
    asked = reviews.waiting_reviews(api, run_id, companies_table, 1)
    assert sorted(asked) == ["Mercury"]
    assert "Mercury Records" in asked["Mercury"]["options"]
    answered = reviews.answer(api, run_id, asked["Mercury"], "Mercury Records")
    assert answered["responded_by"]["name"] == USERNAME
    assert wait_for_run(api, reviews.DAG_ID, run_id)["state"] == "success"
    api.patch(f"dags/{reviews.DAG_ID}", {"is_paused": True})
    item = dynamodb.Table(companies_table).get_item(Key={"name": "Mercury"})["Item"]
    assert (item["wikipedia_title"], item["reviewed_by"]) == ("Mercury Records", USERNAME)
    assert item["review_status"] == "title_chosen"


def test_image_labels_labels_the_sample_sites_images(api, stack, dynamodb, s3):
    from enrichment import aws
    from enrichment.bootstrap import ensure_table

    ensure_table(aws.dynamodb_client(), IMAGE_CONF["labels_table"], "image_id")
    unpause(api, "image_labels", stop_its_run=True)
    run = api.post("dags/image_labels/dagRuns", {"logical_date": None, "conf": IMAGE_CONF})
    run = wait_for_run(api, "image_labels", run["dag_run_id"])
    assert run["state"] == "success"
    ds = run["run_after"][:10]
    report_key = f"{IMAGE_CONF['report_prefix']}ds={ds}/summary.json"
    report = json.loads(s3.get_object(Bucket=BUCKET, Key=report_key)["Body"].read())
    items = dynamodb.Table(IMAGE_CONF["labels_table"]).scan()["Items"]
    assert items, "no image was labelled"
    assert report["images"] == report["labelled"] == len(items)
    assert all(item["labels"] for item in items)
    reasons = {skip["url"]: skip["reason"] for skip in report["skips"]}
    assert reasons["http://169.254.169.254/latest/meta-data/"].startswith("refused: link-local")


def results_page(api: ApiClient, path: str, **params: str) -> str:
    response = api.session.get(f"{api.base_url}/enrichment-results{path}", params=params)
    response.raise_for_status()
    return response.text


def test_the_results_pages_show_the_runs(api, companies_table):
    """The plugin's pages, served by 3.3.1's API server, after the runs above."""
    data = {"companies_table": companies_table, "prefix": PREFIX}
    overview = results_page(api, "/", **data)
    assert "Company sentiment over the last" in overview
    assert all(f">{name}</a>" in overview for name in COMPANIES), overview[:3000]
    netflix = results_page(api, "/company", name="Netflix", **data)
    for ds in [*BACKFILL_DATES, REVIEW_DATE]:
        assert f">{ds}<" in netflix, ds
    mercury = results_page(api, "/company", name="Mercury", **data)
    assert f"chosen by <strong>{USERNAME}</strong>" in mercury
