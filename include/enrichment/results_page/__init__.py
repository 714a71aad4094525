"""The "Enrichment results" pages of the Airflow UI, served by the plugin in ``plugins/``.

- :mod:`.app`: the app; its table of pipelines (by DAG id) and the run tab's route.
- :mod:`.core`: what every page shares: templates, clients, settings from the query or a
  run's conf, errors said on a page, access to a run.
- :mod:`.api_server_internals`: what the pages take from Airflow's API server (the login,
  access to a DAG's runs, a run, the human-in-the-loop details), in one place.
- One pages module per pipeline, with its routes, its run tab and its caches:
  :mod:`.sentiment_pages` (company_sentiment), :mod:`.review_pages` (company_review) and
  :mod:`.image_pages` (image_labels).
- Reading the data: :mod:`.sentiment_history` (the company_sentiment files in S3, over
  the dates) and :mod:`.image_gallery` (the image_labels table, images and run
  summaries); :mod:`.charts` draws inline SVG.

The plugin imports only :class:`DeferredApp`, so a process that loads plugins without
serving the UI (scheduler, DAG processor, workers) never imports FastAPI, boto3 or the
templates.
"""

from __future__ import annotations

from typing import Any


class DeferredApp:
    """An ASGI app that builds :func:`enrichment.results_page.app.create_app` on its
    first request: the API server mounts it, no other process pays for it."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            from enrichment.results_page.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)
