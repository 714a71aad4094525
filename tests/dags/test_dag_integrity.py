"""DAG integrity: every file in dags/ parses cleanly, cheaply and safely."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from dev import PROJECT_ROOT
from enrichment.company_review.settings import ReviewSettings
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings

DAGS_DIR = PROJECT_ROOT / "dags"
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))
PROBE = PROJECT_ROOT / "dev" / "parse_probe.py"
# Importing these at parse time would slow every scheduler loop and every task start.
HEAVY_MODULES = (
    "pandas",
    "numpy",
    "boto3",
    "botocore",
    "requests",
    "PIL",
    "bs4",
    "yaml",
    "moto",
    "mwparserfromhell",
    "airflow.providers.amazon.aws.hooks",
    "airflow.providers.http.hooks",
)


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_there_are_dag_files():
    assert [f.name for f in DAG_FILES] == [
        "company_review.py",
        "company_sentiment.py",
        "image_labels.py",
    ]


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda f: f.name)
def test_file_imports_without_errors(dagbag, dag_file):
    assert dagbag.import_errors.get(str(dag_file)) is None


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda f: f.name)
def test_parse_is_cheap_and_offline(dag_file):
    """No network, no connection lookups, no heavy imports, no warnings at parse time."""
    result = subprocess.run(
        [sys.executable, str(PROBE), str(dag_file)], capture_output=True, text=True, check=True
    )
    probe = json.loads(result.stdout.splitlines()[-1])
    assert probe["sockets"] == []
    assert probe["connections"] == []
    assert probe["warnings"] == []
    heavy = [m for m in probe["new_modules"] if m.startswith(HEAVY_MODULES)]
    assert heavy == []


def test_every_dag_is_acyclic_with_owner_tags_retries_and_docs(dagbag):
    assert dagbag.dags, "no DAGs found"
    for dag in dagbag.dags.values():
        dag.check_cycle()
        assert dag.tags, dag.dag_id
        assert dag.doc_md, dag.dag_id
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), task.task_id
            assert task.retries >= 1, task.task_id
            assert task.execution_timeout is not None, task.task_id


def test_company_sentiment_shape(dagbag):
    dag = dagbag.dags["company_sentiment"]
    assert dag.schedule == "@daily"
    assert dag.catchup is False
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {
        "preflight": ["scan"],
        "scan": ["enrich", "load"],
        "enrich": ["load"],
        "load": [],
    }
    enrich = dag.get_task("enrich")
    assert enrich.pool == "wikipedia"
    # Per company in the triggerer by default, told which task's output it maps over.
    assert enrich.start_from_trigger is True
    assert enrich.start_trigger_args.trigger_cls.endswith(".EnrichCompanyTrigger")
    assert enrich.start_trigger_args.trigger_kwargs == {"companies_task_id": "scan"}
    # Deferred straight to the triggerer: the timeout covers the wait for a triggerer slot.
    assert enrich.execution_timeout == timedelta(hours=1)
    assert enrich.retry_exponential_backoff
    assert [a.uri for a in dag.get_task("load").outlets] == ["s3://fangsentiment/sentiment"]


def test_the_trigger_named_by_enrich_imports_and_names_itself_the_same(dagbag):
    """The triggerer imports the class from this string; a rename that forgets it would
    fail every company in the triggerer, and nothing at parse time would say so."""
    # What the triggerer loads a trigger class with (TriggerRunner.get_trigger_by_classpath).
    from airflow._shared.module_loading import import_string
    from airflow.triggers.base import BaseTrigger

    start = dagbag.dags["company_sentiment"].get_task("enrich").start_trigger_args
    trigger_cls = import_string(start.trigger_cls)
    assert issubclass(trigger_cls, BaseTrigger)
    trigger = trigger_cls(**start.trigger_kwargs)
    assert trigger.serialize() == (start.trigger_cls, start.trigger_kwargs)
    # The trigger ends the task itself; it never resumes on a worker.
    assert start.next_method == "execute"


def test_one_deployment_setting_sends_enrich_back_to_workers(monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("ENRICHMENT_SENTIMENT_ON_WORKERS", "true")
    dag = DagBag(dag_folder=str(DAGS_DIR / "company_sentiment.py")).dags["company_sentiment"]
    enrich = dag.get_task("enrich")
    assert enrich.start_from_trigger is False
    assert enrich.pool == "wikipedia"
    assert enrich.execution_timeout <= timedelta(minutes=5)


def test_company_sentiment_params_match_the_design_contract(dagbag):
    params = dagbag.dags["company_sentiment"].params
    assert {name: params[name] for name in params} == {
        "companies_table": "fang",
        "bucket": "fangsentiment",
        "prefix": "sentiment/",
        "output_format": "csv",
        "sentences": 1,
        "language": "en",
        "max_companies": 1000,
        "sentiment_cache_table": "sentiment_cache",
        "reuse_sentiment": True,
        "page_timelines_table": "page_timelines",
        "revision_texts_table": "revision_texts",
        "request_slots_table": "request_slots",
        "wikipedia_slots": 3,
        "max_error_share": 0.2,
        "alerts_topic": "enrichment-alerts",
    }
    for name in params:
        assert params.get_param(name).description, name


@pytest.mark.parametrize(
    ("dag_id", "settings"),
    [
        pytest.param("company_sentiment", SentimentSettings, id="company_sentiment"),
        pytest.param("image_labels", ImageLabelsSettings, id="image_labels"),
        pytest.param("company_review", ReviewSettings, id="company_review"),
    ],
)
def test_params_are_built_from_the_pipeline_settings(dagbag, dag_id, settings):
    """Each Param's default, description and limits are its setting's, and nothing else."""
    params = dagbag.dags[dag_id].params
    specs = settings.param_specs()
    assert list(params) == list(specs)
    for name, spec in specs.items():
        param = params.get_param(name)
        assert (param.value, param.description, param.schema) == (
            spec["default"],
            spec["description"],
            spec["schema"],
        ), name
    assert settings.from_params(params) == settings()


def test_company_review_shape(dagbag):
    """Scheduled on company_sentiment's result files; one ask -> record chain per company,
    each company's answer recorded as soon as it is given (a mapped task group)."""
    dag = dagbag.dags["company_review"]
    assert [a.name for a in dag.timetable.asset_condition.objects] == ["company_sentiment_csv"]
    assert dag.catchup is False
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {
        "preflight": ["find_candidates"],
        "find_candidates": ["review.ask", "review.record"],
        "review.ask": ["review.record"],
        "review.record": [],
    }
    assert type(dag.task_group_dict["review"]).__name__ == "MappedTaskGroup"
    ask = dag.get_task("review.ask")
    assert ask.defaults == ["Ask again later"]
    assert ask.response_timeout == timedelta(days=7)
    assert [a.name for a in dag.get_task("find_candidates").inlets] == ["company_sentiment_csv"]


def test_company_review_params(dagbag):
    params = dagbag.dags["company_review"].params
    assert {name: params[name] for name in params} == {
        "timeout_days": 7.0,
        "reviewers": [],
        "max_reviews": 50,
        "request_slots_table": "request_slots",
        "wikipedia_slots": 3,
        "alerts_topic": "enrichment-alerts",
    }


def test_image_labels_shape(dagbag):
    dag = dagbag.dags["image_labels"]
    assert dag.schedule == "@daily"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {
        "preflight": ["crawl"],
        "crawl": ["batch", "summarise"],
        "batch": ["label"],
        "label": ["summarise"],
        "summarise": [],
    }
    assert dag.get_task("summarise").trigger_rule == "none_failed"


def test_image_labels_params_match_the_design_contract(dagbag):
    params = dagbag.dags["image_labels"].params
    assert {name: params[name] for name in params} == {
        "sites": [],
        "labels_table": "image_labels",
        "bucket": "fangsentiment",
        "image_prefix": "images/",
        "report_prefix": "reports/image_labels/",
        "max_depth": 3,
        "max_pages": 50,
        "max_images": 200,
        "max_image_bytes": 15 * 1024 * 1024,
        "batch_size": 25,
        "max_labels": 10,
        "min_confidence": 70.0,
        "max_date_lag_days": 1,
        "alerts_topic": "enrichment-alerts",
    }
    for name in params:
        assert params.get_param(name).description, name


def test_every_dag_checks_its_set_up_first_and_alerts_when_its_run_fails(dagbag):
    """The set-up check is each DAG's only root; a failed run calls the alert once, and
    every task keeps its error for that alert."""
    from enrichment.alerts import alert_failed_run, record_failure

    for dag in dagbag.dags.values():
        assert [task.task_id for task in dag.roots] == ["preflight"], dag.dag_id
        assert dag.on_failure_callback in (alert_failed_run, [alert_failed_run]), dag.dag_id
        for task in dag.tasks:
            assert task.on_failure_callback in (record_failure, [record_failure]), task.task_id


def test_company_sentiment_has_a_deadline_for_its_result_file(monkeypatch):
    """Parsed as a deployment parses it: tests/conftest.py turns the deadline off for the
    session's dag.test() runs."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DeadlineReference

    from enrichment.company_sentiment.deadline import DEADLINE_ENV, DEFAULT_DEADLINE

    monkeypatch.delenv(DEADLINE_ENV)
    dagbag = DagBag(dag_folder=str(DAGS_DIR / "company_sentiment.py"))
    deadline = dagbag.dags["company_sentiment"].deadline
    alert = deadline[0] if isinstance(deadline, list) else deadline
    assert alert.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
    assert alert.interval == DEFAULT_DEADLINE
    assert alert.callback.path == "enrichment.company_sentiment.deadline.missed_deadline"


def test_every_dag_has_a_results_tab(dagbag):
    """Each DAG writes a result, so each has a pages module in the results page's table:
    its runs' "Results" tab shows that result, not "writes no result this page shows"."""
    from enrichment.results_page.app import PIPELINES

    assert sorted(PIPELINES) == sorted(dagbag.dag_ids)
    assert all(dag_id == pipeline.dag_id for dag_id, pipeline in PIPELINES.items())
