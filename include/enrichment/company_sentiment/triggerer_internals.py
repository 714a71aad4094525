"""What the triggerer path takes from Airflow beyond its public API: the one seam.

A company's ``enrich`` task starts in the triggerer (``start_from_trigger``) and ends
there (:mod:`.trigger`). Airflow 3.3 gives such a trigger its task instance and nothing
more, so what follows is done with, or relies on, Airflow's internals, each written for
and tested against the versions in :data:`WRITTEN_FOR`
(``tests/unit/test_airflow_internals.py`` fails loudly on any other):

- **The run's inputs** (:meth:`TriggererAirflow.run_inputs`): the run's Params and dates
  from ``ti.get_template_context()`` (the triggerer builds a ``RuntimeTaskInstance`` for
  a task started from a trigger), and the company list from the scan's XCom through the
  Task SDK's ``XCom.aget_one`` (``airflow.sdk.execution_time.xcom``). Why the list and
  not the company: the scheduler creates the trigger from the task's serialized
  ``start_trigger_args`` (``TaskInstance.defer_task``), whose kwargs are fixed when the
  DAG is parsed; ``MappedOperator.expand_start_trigger_args``, which would put a mapped
  argument into them, is called by nothing in 3.3. A worker's task runner resolves the
  mapped ``company`` the same way: it pulls the scan's whole XCom and takes its map
  index's item. Read once per run and process, the list costs one call per run.
- **The row's form in the XCom table**: the trigger ends its task with the row in the
  end event's ``xcoms`` (public API), which the triggerer stores with
  ``TaskInstance.xcom_push`` while it takes the event (``handle_event_submit``: not for
  a failed try it retries), in the same transaction as the task's new state. That
  stores ``json.dumps(row)`` where the Task SDK stores the row itself, so the task's XCom
  reads back as the row's JSON text: :meth:`.rows.Row.from_record` takes both.
- **The company's name in the UI** (:class:`TaskNames`): on a worker the task runner
  renders ``map_index_template`` and its supervisor sends it to the Execution API; the
  triggerer renders nothing and gives a trigger no message to send a name with. So the
  name is sent as the supervisor sends it, ``PATCH task-instances/{id}/rendered-map-index``
  with a token for that one task instance, signed as the scheduler signs the tokens of
  the tasks it sends out (``JWTGenerator``, ``get_signing_args``, the API version header).
  Asymmetric JWT keys where the triggerer has no private key, or a secret that differs
  between the triggerer and the API server, make the API server refuse it (401/403);
  only the names are lost then (:meth:`.trigger.TriggererProcess.show_name`).

What breaks it: an Airflow upgrade that moves any of these. The worker path
(``ENRICHMENT_SENTIMENT_ON_WORKERS=true``, :mod:`.operator`) uses none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from enrichment.run_date import DagRunDates

# The Airflow releases these internals were read in and are tested on.
WRITTEN_FOR = ("3.3.1", "3.3.2")
# A naming token is used at once; it need not outlive the request.
TOKEN_SECONDS = 60
NAMING_TIMEOUT = 10.0


@dataclass(frozen=True)
class RunContext:
    """What a company task of the triggerer needs of its run: its Params, its dates and
    the scan's company list."""

    params: Mapping[str, Any]
    dag_run: DagRunDates
    companies: list[dict[str, Any]]


class TriggererAirflow:
    """The task instance's run and UI name, through Airflow's internals (see the module
    docstring); one per triggerer process."""

    async def run_inputs(self, ti: Any, companies_task_id: str) -> RunContext:
        """``ti``'s run: Params and dates from its template context, the company list
        from task ``companies_task_id``'s XCom."""
        from airflow.sdk.execution_time.xcom import XCom

        context = ti.get_template_context()
        companies = await XCom.aget_one(
            key="return_value", dag_id=ti.dag_id, task_id=companies_task_id, run_id=ti.run_id
        )
        if companies is None:
            raise LookupError(f"{companies_task_id} of {ti.run_id} has no company list")
        return RunContext(context["params"], context["dag_run"], companies)

    def task_names(self) -> TaskNames:
        return TaskNames()


class TaskNames:
    """Sets the rendered map index of task instances, as the worker's supervisor does."""

    def __init__(self) -> None:
        import httpx
        from airflow.api_fastapi.auth.tokens import JWTGenerator, get_signing_args
        from airflow.sdk import conf
        from airflow.sdk.api.client import API_VERSION

        self._tokens = JWTGenerator(
            valid_for=TOKEN_SECONDS,
            audience=conf.get_mandatory_list_value("execution_api", "jwt_audience")[0],
            issuer=conf.get("api_auth", "jwt_issuer", fallback=None),
            **get_signing_args(make_secret_key_if_needed=False),
        )
        # One client (and its kept-alive connections) for the process, without the Task
        # SDK client's retries: a name that does not go through is not worth a backlog.
        self._client = httpx.Client(
            base_url=conf.get("core", "execution_api_server_url"),
            headers={"airflow-api-version": API_VERSION},
            timeout=NAMING_TIMEOUT,
        )

    def set(self, ti_id: str, name: str) -> None:
        """Show ``name`` for task instance ``ti_id``; raises when the API refuses."""
        token = self._tokens.generate(extras={"sub": ti_id, "scope": "execution"})
        self._client.patch(
            f"task-instances/{ti_id}/rendered-map-index",
            json=name,
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()
