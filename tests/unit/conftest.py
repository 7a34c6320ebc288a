# -*- coding: utf-8 -*-
"""Shared fixtures of the unit tests: Harbor faked at the HTTP transport level with `responses`."""

from __future__ import annotations

import json

import pytest
import responses

from ansible.module_utils.testing import patch_module_args

URL = "https://harbor.test"
API = URL + "/api/v2.0"
CONNECTION = dict(url=URL, username="admin", password="Harbor12345")
SYSTEMINFO_215 = {"harbor_version": "v2.15.2-080b0220", "auth_mode": "db_auth"}
SYSTEMINFO_210 = {"harbor_version": "v2.10.0-6abb4eab", "auth_mode": "db_auth"}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class FakeHarbor(responses.RequestsMock):
    """responses' mock with helpers: Harbor's /systeminfo, and the list of requests sent."""

    def __init__(self):
        super().__init__(assert_all_requests_are_fired=False)

    def systeminfo(self, info=None):
        self.get(API + "/systeminfo", json=info or SYSTEMINFO_215)

    def sent(self, method=None):
        """[(method, path, json body or None)] of every request sent, optionally of one method."""
        out = []
        for call in self.calls:
            req = call.request
            body = json.loads(req.body) if req.body else None
            path = req.path_url.split("?")[0].replace("/api/v2.0", "", 1)
            if method is None or req.method == method:
                out.append((req.method, path, body))
        return out

    def writes(self):
        return [call for call in self.sent() if call[0] in WRITE_METHODS]


def warnings_of(result):
    """The warning texts of a module result (ansible-core 2.19 returns them as structured summaries)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


@pytest.fixture
def harbor():
    with FakeHarbor() as mock:
        yield mock


@pytest.fixture
def run_module(capsys):
    """Run a module's main() with arguments; return its JSON result (``failed`` set when it failed)."""

    def run(module, args, check_mode=False, diff=False):
        args = dict(CONNECTION, **args)
        args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return run
