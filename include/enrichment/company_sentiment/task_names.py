"""Names for company tasks that run in the triggerer, set through Airflow's Execution API.

Why this exists: the grid and the task list name each mapped task instance by its
rendered map index (``map_index_template``, the company's name). On a worker the task
runner renders the template and its supervisor sends the result to the Execution API.
Airflow 3.3's triggerer renders nothing and gives a trigger no message to send a name
with, so a company task started in the triggerer would show only its number. The
trigger therefore does what the worker's supervisor does: it sends
``PATCH task-instances/{id}/rendered-map-index`` itself, with a token for that one task
instance, signed as the scheduler signs the tokens of the tasks it sends out.

What breaks it: this leans on Airflow internals, not on a public API.

- An Airflow upgrade that moves or changes the endpoint, the token's claims
  (``sub`` = the task instance id, ``scope`` = ``execution``), ``JWTGenerator`` /
  ``get_signing_args`` or the API version header.
- Asymmetric JWT keys (``[api_auth] jwt_private_key_path``) where the triggerer has no
  private key, or a secret that differs between the triggerer and the API server: the
  API server then refuses the token (401/403).

Either way only the names are lost: :class:`TaskNames` is used beside a company's work
and never waited for, and a name that cannot be set is a logged warning
(:meth:`enrichment.company_sentiment.trigger.TriggererProcess.show_name`). The company's
row, its task's state and the run are unchanged; ``tests/integration/test_task_names.py``
shows it.
"""

from __future__ import annotations

# A naming token is used at once; it need not outlive the request.
TOKEN_SECONDS = 60
NAMING_TIMEOUT = 10.0


class TaskNames:
    """Sets the rendered map index of task instances, as the worker's supervisor does."""

    def __init__(self) -> None:
        import httpx
        from airflow.api_fastapi.auth.tokens import JWTGenerator, get_signing_args
        from airflow.configuration import conf
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
