"""Every form a page posts is covered by the global CSRF check, whatever the view does itself."""

from __future__ import annotations


def post_routes(app) -> list[str]:
    """Each page route that accepts a POST, with made-up values for its variables."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            options = getattr(converter, "items", None)  # any(...): its first choice
            values[name] = sorted(options)[0] if options else (1 if "Id" in type(converter).__name__ else "x")
        urls.append(app.url_map.bind("localhost").build(rule.endpoint, values, method="POST"))
    return urls


def test_every_page_post_without_a_token_is_refused(app, client, login):
    login()
    app.config["WTF_CSRF_ENABLED"] = True
    urls = post_routes(app)
    assert len(urls) > 40
    refused = {url: client.post(url, data={"name": "x"}).status_code for url in urls}
    assert {url: status for url, status in refused.items() if status != 400} == {}
