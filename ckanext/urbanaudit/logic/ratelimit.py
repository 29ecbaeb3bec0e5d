"""A fixed-window rate limit in Redis, shared by the forms open to residents (data requests, comments): at most
``limit`` hits per ``window`` seconds for one bucket and key (a user id, or the client's address for anonymous
visitors). Redis is CKAN's own (``ckan.redis.url``), so the limit holds across processes."""
from __future__ import annotations

import flask
from ckan.lib.redis import connect_to_redis

from ckanext.urbanaudit import config


def client_key(user_id: str | None) -> str:
    """Who is asking: the user's id when logged in, else the address the request came from."""
    return f"user:{user_id}" if user_id else f"addr:{flask.request.remote_addr or 'unknown'}"


def allow(bucket: str, key: str, limit: int, window: int) -> bool:
    """Count one hit; False when this key has already had ``limit`` hits in the current window."""
    if limit <= 0:
        return True
    name = f"{config.site_id()}:urbanaudit:ratelimit:{bucket}:{key}"
    redis = connect_to_redis()
    with redis.pipeline() as pipe:
        pipe.incr(name)
        pipe.expire(name, window, nx=True)
        count, _ = pipe.execute()
    return int(count) <= limit
