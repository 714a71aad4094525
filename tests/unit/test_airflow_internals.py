"""The Airflow internals the two seams rely on are there, as they were read.

``enrichment.company_sentiment.triggerer_internals`` and
``enrichment.results_page.api_server_internals`` use what Airflow does not promise to
keep. Each names the releases it was written for; on any other this module fails first,
saying which seam to read again, and each use is checked by the shape it has today, so
an upgrade that moves one fails here by name rather than in a run.
"""

from __future__ import annotations

import inspect

import pytest

from enrichment.company_sentiment import triggerer_internals
from enrichment.results_page import api_server_internals

SEAMS = [
    pytest.param(triggerer_internals, id="triggerer_internals"),
    pytest.param(api_server_internals, id="api_server_internals"),
]


@pytest.mark.parametrize("seam", SEAMS)
def test_the_installed_airflow_is_one_the_seam_was_written_for(seam):
    from importlib.metadata import version

    installed = version("apache-airflow-core")
    assert installed in seam.WRITTEN_FOR, (
        f"Airflow {installed} is not one {seam.__name__} was written for "
        f"({', '.join(seam.WRITTEN_FOR)}): check each use its docstring lists against this "
        "release's source, then add the release to WRITTEN_FOR"
    )


def parameters(function) -> set[str]:
    return set(inspect.signature(function).parameters)


def test_the_task_sdk_xcom_read_of_the_triggerer():
    from airflow.sdk.execution_time.xcom import XCom

    assert inspect.iscoroutinefunction(XCom.aget_one)
    assert {"key", "dag_id", "task_id", "run_id"} <= parameters(XCom.aget_one)


def test_an_end_events_xcoms_are_stored_as_json_text_and_not_for_a_retried_try():
    """What trigger.py and rows.py rely on: the triggerer stores an end event's ``xcoms``
    with ``TaskInstance.xcom_push`` unless the task goes up for retry, and that stores
    ``json.dumps`` of the value (the Task SDK's read gives back that text)."""
    from airflow.models import trigger
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.triggers.base import TaskFailedEvent, TaskSuccessEvent

    handler = trigger.handle_event_submit.dispatch(TaskSuccessEvent)
    assert trigger.handle_event_submit.dispatch(TaskFailedEvent) is handler
    source = inspect.getsource(handler)
    assert "event.xcoms and callback_type != TaskInstanceState.UP_FOR_RETRY" in source
    assert "task_instance.xcom_push(key=key, value=value)" in source
    assert "XComModel.set(" in inspect.getsource(TaskInstance.xcom_push)
    assert inspect.signature(XComModel.set).parameters["serialize"].default is True
    assert XComModel.serialize_value({"name": "Enron", "positive": 0.5}) == (
        '{"name": "Enron", "positive": 0.5}'
    )


def test_a_trigger_started_from_a_task_gets_a_runtime_task_instance_with_a_context():
    """The triggerer builds a RuntimeTaskInstance (and so a template context) for a task
    whose operator has ``start_from_trigger``; the trigger reads its run's Params there."""
    from airflow.jobs.triggerer_job_runner import TriggerRunner

    source = inspect.getsource(TriggerRunner.create_triggers)
    assert "create_runtime_ti" in source
    assert "get_template_context" in source


def test_trigger_kwargs_are_the_serialized_tasks_not_a_mapped_tasks_own():
    """Why a trigger reads its company from the scan's XCom: the scheduler creates it from
    the task's ``start_trigger_args`` as parsed, and nothing calls the SDK's
    ``expand_start_trigger_args`` that would put a mapped argument into its kwargs. When
    this fails, the trigger could be given its company instead."""
    from airflow.models.taskinstance import TaskInstance

    defer = inspect.getsource(TaskInstance.defer_task)
    assert "start_trigger_args.trigger_kwargs" in defer
    assert "expand_start_trigger_args" not in defer


def test_the_execution_api_takes_a_rendered_map_index():
    from airflow.api_fastapi.execution_api.routes import task_instances

    routes = {
        (method, route.path)
        for route in task_instances.ti_id_router.routes
        for method in getattr(route, "methods", ())
    }
    assert ("PATCH", "/{task_instance_id}/rendered-map-index") in routes


def test_naming_tokens_are_signed_as_the_scheduler_signs_them():
    from airflow.api_fastapi.auth.tokens import JWTGenerator, get_signing_args
    from airflow.sdk.api.client import API_VERSION

    assert {"valid_for", "audience", "issuer"} <= parameters(JWTGenerator)
    assert "extras" in parameters(JWTGenerator.generate)
    assert "make_secret_key_if_needed" in parameters(get_signing_args)
    assert isinstance(API_VERSION, str)
    assert API_VERSION


def test_the_api_servers_login_and_access_checks():
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import (
        DagAccessEntity,
        DagDetails,
    )
    from airflow.api_fastapi.core_api.security import get_user

    assert callable(get_user)
    assert callable(get_auth_manager)
    assert DagAccessEntity.RUN
    assert "id" in parameters(DagDetails)


def test_the_orm_columns_the_pages_read():
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance

    def columns(model) -> set[str]:
        return set(model.__table__.columns.keys())

    assert {
        "ti_id",
        "subject",
        "options",
        "chosen_options",
        "responded_by",
        "created_at",
        "responded_at",
    } <= columns(HITLDetail)
    assert {"id", "dag_id", "task_id", "run_id", "map_index", "state"} <= columns(TaskInstance)
    assert hasattr(TaskInstance, "rendered_map_index")
    assert {"dag_id", "run_id", "logical_date", "run_after", "data_interval_end", "conf"} <= (
        columns(DagRun)
    )
