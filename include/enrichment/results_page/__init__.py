"""The "Enrichment results" pages of the Airflow UI, served by the plugin in ``plugins/``.

:mod:`.sentiment_history` reads the company_sentiment partitions in S3,
:mod:`.image_gallery` the image_labels table and images, :mod:`.charts` draws inline SVG
and :mod:`.app` serves the pages. The plugin imports only :class:`DeferredApp`, so a
process that loads plugins without serving the UI (scheduler, DAG processor, workers)
never imports FastAPI, boto3 or the templates.
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
