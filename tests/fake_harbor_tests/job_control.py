"""The fake's job service from a test: ``/_fake/jobs`` (settings, clock, release, finish), see control.py."""

import requests


def _post(server, path, body):
    resp = requests.post(server.url + "/_fake/jobs" + path, json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def configure(server, **settings):
    """New jobs get these settings: ``duration`` (seconds), ``hold`` (bool), ``kind`` (one job kind only)."""
    return _post(server, "", settings)


def advance(server, seconds):
    """Move the job clock: the jobs see ``seconds`` more pass."""
    return _post(server, "", {"advance": seconds})


def release(server, **selection):
    """Held jobs go on (``id`` or ``kind``, else all); without ``id`` new jobs are not held any more."""
    return _post(server, "/release", selection)


def finish(server, **selection):
    """Active jobs (``id`` or ``kind``, else all) end now, with ``status`` (default Success)."""
    return _post(server, "/finish", selection)


def jobs(server, **query):
    resp = requests.get(server.url + "/_fake/jobs", params=query, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()
