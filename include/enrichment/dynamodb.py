"""DynamoDB items read by key in batches: the one BatchGetItem loop of the package.

The caches and tables of both pipelines (the sentiment cache, page timelines, revision
texts, image labels) look many keys up at once. BatchGetItem takes at most 100 keys per
call and may leave some unprocessed under load, which are asked for again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

BATCH_GET_LIMIT = 100  # keys per BatchGetItem call


def get_items(
    table, key: str, values: Iterable[Any], projection: str | None = None
) -> Iterator[dict[str, Any]]:
    """The items of ``table`` whose partition key ``key`` is one of ``values`` (each
    asked once; keys without an item are left out), with only ``projection`` if given."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), BATCH_GET_LIMIT):
        keys: dict[str, Any] = {"Keys": [{key: v} for v in wanted[start : start + BATCH_GET_LIMIT]]}
        if projection:
            keys["ProjectionExpression"] = projection
        request: dict[str, Any] = {table.name: keys}
        while request:
            response = table.meta.client.batch_get_item(RequestItems=request)
            yield from response["Responses"].get(table.name, ())
            request = response.get("UnprocessedKeys") or {}
