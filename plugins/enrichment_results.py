"""The "Enrichment results" pages in the Airflow UI (Browse menu, and a tab on each DAG run).

The API server mounts the app under ``/enrichment-results``; the UI shows it in its frame.
Importing this file is cheap (every Airflow process loads plugins): the app is built on
its first request (``enrichment.results_page``).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from enrichment.results_page import DeferredApp

URL_PREFIX = "/enrichment-results"


class EnrichmentResultsPlugin(AirflowPlugin):
    name = "enrichment_results"
    fastapi_apps = [  # noqa: RUF012 (AirflowPlugin declares these as class lists)
        {"app": DeferredApp(), "url_prefix": URL_PREFIX, "name": "Enrichment results"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "Enrichment results",
            "href": f"{URL_PREFIX}/",
            "url_route": "enrichment-results",
            "category": "browse",
            "destination": "nav",
        },
        {
            # The UI puts the run's DAG id and run id into the placeholders.
            "name": "Results",
            "href": f"{URL_PREFIX}/runs/{{DAG_ID}}/{{RUN_ID}}",
            "url_route": "enrichment-results-run",
            "destination": "dag_run",
        },
    ]
