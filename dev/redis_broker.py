"""The Redis the local CeleryExecutor uses as its broker: where it is by default, and
whether one answers there (``dev.airflow_local`` before it starts Celery workers,
``dev.faults.PrivateRedis`` while it starts)."""

from __future__ import annotations

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping())
    except redis.RedisError:
        return False
