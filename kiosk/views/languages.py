"""The language switch in every page's header: links that keep the page and its filters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

#: The six languages in UN order (Arabic, Chinese, English, French, Russian, Spanish).
SWITCH = (
    ("ar", "العربية"),
    ("zh", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
)


def set_page_url(path: str) -> None:
    """Say which page (path and query string) the language switch should show again."""
    g.page_url = path


def _has_get(path: str) -> bool:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def _page_path() -> str:
    """The page a link should lead to: this one, or the nearest page above a form's target."""
    if request.method in ("GET", "HEAD"):
        return request.path
    path = request.path
    while path not in ("", "/"):
        if _has_get(path):
            return path
        path = path.rstrip("/").rsplit("/", 1)[0] or "/"
        if _has_get(path + "/"):
            return path + "/"
    return "/"


def switch_url(code: str) -> str:
    """This page in the language `code`, with its filters (query string) kept."""
    if page := g.get("page_url"):
        base, _sep, query = page.partition("?")
        args = [(k, v) for k, v in parse_qsl(query) if k != "lang"]
    else:
        base = request.script_root + _page_path()
        args = (
            [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
            if request.method in ("GET", "HEAD")
            else []
        )
    return f"{base}?{urlencode([*args, ('lang', code)])}"
