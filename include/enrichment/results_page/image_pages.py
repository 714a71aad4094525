"""The image_labels pages: the gallery of labelled images, one image's page, the image
files themselves (streamed from S3 by id only), and the run tab of an image_labels run
(its crawl summary).

The table and images are read by :mod:`.image_gallery`; a scan of the table is kept until
an image_labels run finishes (:class:`~.image_gallery.ScannedImages`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.results_page import core, image_gallery

DAG_ID = "image_labels"
# The settings a page may change through query parameters of the same name.
NAMES = ("bucket", "labels_table", "image_prefix", "report_prefix")
PER_PAGE = 60

router = APIRouter()


@router.get("/images", response_class=HTMLResponse)
def images(
    request: Request,
    label: str | None = None,
    site: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = PER_PAGE,
) -> HTMLResponse:
    settings = core.query_settings(ImageLabelsSettings, NAMES, request)
    filters = image_gallery.GalleryFilters(label or None, site or None)
    scans: image_gallery.ScannedImages = core.resources(request).caches[DAG_ID]
    scanned = image_gallery.cached_scan(
        core.s3_client(request), core.dynamodb_client(request), settings, scans
    )
    found = image_gallery.gallery(scanned, filters)
    return core.render(
        request,
        "gallery.html",
        settings=settings,
        gallery=found,
        shown=found.images[(page - 1) * per_page : page * per_page],
        filters=filters,
        page=page,
        pages=max(1, -(-len(found.images) // per_page)),
        per_page=per_page,
        carry=core.carried(request, NAMES),
    )


@router.get("/images/{image_id}", response_class=HTMLResponse)
def image(request: Request, image_id: str) -> HTMLResponse:
    settings = core.query_settings(ImageLabelsSettings, NAMES, request)
    carry = core.carried(request, NAMES)
    found = image_gallery.get_image(core.dynamodb_client(request), settings.labels_table, image_id)
    if found is None:
        text = f"table {settings.labels_table} has no image {image_id!r}"
        return core.message(request, "No such image", text, 404, carry=carry)
    return core.render(request, "image.html", image=found, settings=settings, carry=carry)


@router.get("/image-files/{file_name}")
def image_file(request: Request, file_name: str) -> Response:
    settings = core.query_settings(ImageLabelsSettings, NAMES, request)
    key = image_gallery.image_object_key(settings, file_name)
    if key is None:  # not <64 hex>.<png|jpg>: S3 is not asked
        raise HTTPException(404, "no such image")
    found = image_gallery.open_image(core.s3_client(request), settings.bucket, key)
    if found is None:
        raise HTTPException(404, "no such image")
    return StreamingResponse(
        found.chunks,
        media_type=found.content_type,
        headers={
            "Content-Length": str(found.length),
            "ETag": found.etag,
            # Named by the SHA-256 of its bytes: the same name never means other bytes.
            "Cache-Control": "private, max-age=86400, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


def run_tab(request: Request, run: core.Run) -> HTMLResponse:
    """The crawl summary the run's ``summarise`` task wrote for its date."""
    settings = core.run_settings(ImageLabelsSettings, run.conf)
    try:
        key, summary = image_gallery.read_summary(core.s3_client(request), settings, run.ds)
    except image_gallery.UnreadableSummary as error:
        return core.message(request, f"{run.dag_id} for {run.ds}", str(error))
    return core.render(
        request, "run_images.html", run=run, settings=settings, key=key, summary=summary
    )


PIPELINE = core.Pipeline(
    dag_id=DAG_ID,
    title="Image labels",
    home="/images",
    router=router,
    run_tab=run_tab,
    caches=image_gallery.ScannedImages,
)
