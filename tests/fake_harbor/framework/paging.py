"""Paging of list responses (``page``, ``page_size``, ``X-Total-Count``, ``Link``).

Harbor (handler/base.go ``Links``, lib/link.go): links are relative
``</api/v2.0/projects?page=2&page_size=10>; rel="next"``, the query is
re-encoded with sorted keys, several links are joined with ``" , "``.
``page_size`` 0 or negative means "everything" (no Link).
"""

from urllib.parse import quote_plus

from .response import Response

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def page_params(ctx):
    page = ctx.query_int("page", default=1)
    page_size = ctx.query_int("page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    return max(page, 1), page_size


def _encode(query):
    parts = []
    for key in sorted(query):
        for value in query[key]:
            parts.append("%s=%s" % (quote_plus(key), quote_plus(value)))
    return "&".join(parts)


def link_header(ctx, total, page, page_size):
    if page_size <= 0:
        return None
    links = []
    base = ctx.raw_path
    if page > 1 and (page - 1) * page_size < total:
        query = {k: list(v) for k, v in ctx.query.items()}
        query["page"] = [str(page - 1)]
        query["page_size"] = [str(page_size)]
        links.append('<%s?%s>; rel="prev"' % (base, _encode(query)))
    if page * page_size < total:
        query = {k: list(v) for k, v in ctx.query.items()}
        query["page"] = [str(page + 1)]
        query["page_size"] = [str(page_size)]
        links.append('<%s?%s>; rel="next"' % (base, _encode(query)))
    return " , ".join(links) if links else None


def paginate(ctx, items, serialize=None):
    """Slice ``items`` to the requested page; return a 200 list Response.

    ``serialize(item)`` turns a stored record into its API shape.
    """
    page, page_size = page_params(ctx)
    total = len(items)
    if page_size > 0:
        chunk = items[(page - 1) * page_size:page * page_size]
    else:
        chunk = list(items)
    body = [serialize(item) for item in chunk] if serialize else list(chunk)
    headers = {"X-Total-Count": str(total)}
    link = link_header(ctx, total, page, page_size)
    if link:
        headers["Link"] = link
    return Response.json(body, headers=headers)
