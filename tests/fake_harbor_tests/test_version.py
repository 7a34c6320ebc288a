"""Versions: parsing, comparison, spec mapping, version-gated routes."""

import pytest
import requests

from tests.fake_harbor.framework.errors import HarborError
from tests.fake_harbor.framework.response import Response
from tests.fake_harbor.framework.routing import Router, RouteTable
from tests.fake_harbor.server import FakeHarbor
from tests.fake_harbor.version import HarborVersion

from .conftest import ADMIN, SPEC_DIR


@pytest.mark.parametrize("text,expected,spec,harbor_version", [
    ("2.10", (2, 10, 3), "swagger.yaml-v2.10.0", None),
    ("2.10.0", (2, 10, 0), "swagger.yaml-v2.10.0", "v2.10.0-6abb4eab"),
    ("2.11", (2, 11, 2), "swagger.yaml-v2.10.0", None),
    ("2.12", (2, 12, 4), "swagger.yaml-v2.10.0", None),
    ("2.13", (2, 13, 5), "swagger.yaml-v2.15.2", None),
    ("2.14", (2, 14, 4), "swagger.yaml-v2.15.2", None),
    ("2.15", (2, 15, 2), "swagger.yaml-v2.15.2", "v2.15.2-080b0220"),
    ("v2.15.1", (2, 15, 1), "swagger.yaml-v2.15.2", None),
    ("main", (2, 16, 0), "swagger.yaml-main-c50c7dd", "v2.16.0-c50c7ddd"),
])
def test_version_parsing(text, expected, spec, harbor_version):
    version = HarborVersion(text)
    assert version.tuple == expected
    assert version.spec_file == spec
    if harbor_version:
        assert version.harbor_version == harbor_version
    assert version.harbor_version.startswith("v%d.%d.%d-" % expected)


def test_version_comparisons():
    v = HarborVersion("2.15")
    assert v >= (2, 13) and v > (2, 15, 1) and v < (2, 16) and v == "2.15.2" and v != (2, 15, 1)
    assert HarborVersion("2.12") < (2, 13) <= HarborVersion("2.13")
    assert HarborVersion("main") > HarborVersion("2.15")
    assert v.between((2, 13), None) and not v.between(None, (2, 13))


@pytest.mark.parametrize("text", ["2.9", "3.0", "2.15.3", "latest", ""])
def test_unsupported_versions(text):
    with pytest.raises(ValueError):
        HarborVersion(text)


ROBOTS_V1 = RouteTable()


@ROBOTS_V1.get("/projects/{project_name_or_id}/robots", until=(2, 13))
def _list_robots_v1(_ctx):
    return Response.json([], headers={"X-Total-Count": "0"})


class _RobotsV1:  # pylint: disable=too-few-public-methods
    ROUTES = ROBOTS_V1


def test_router_version_gating():
    assert Router([ROBOTS_V1], HarborVersion("2.12")).match("GET", "/projects/p/robots")[1] == {
        "project_name_or_id": "p"}
    with pytest.raises(HarborError) as err:
        Router([ROBOTS_V1], HarborVersion("2.13")).match("GET", "/projects/p/robots")
    assert err.value.status == 404


@pytest.mark.parametrize("version,status", [("2.12", 200), ("2.15", 404)])
def test_version_gated_route_over_http(version, status):
    with FakeHarbor(version=version, extra_modules=[_RobotsV1], auth_fail_delay=0) as server:
        resp = requests.get(server.api_url + "/projects/library/robots", auth=ADMIN, timeout=10)
        assert resp.status_code == status
        if SPEC_DIR is not None:
            expected = [] if status == 200 else ["GET /projects/library/robots is not an operation of Harbor 2.15.2 "
                                                 "(no such path)"]
            assert [v["message"] for v in server.violations] == expected


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "main"], indirect=True)
def test_every_version_serves_projects_cleanly(fake_harbor):
    api = fake_harbor.api_url
    assert requests.post(api + "/projects", json={"project_name": "v"}, auth=ADMIN, timeout=10).status_code == 201
    assert requests.get(api + "/projects/v", auth=ADMIN, timeout=10).status_code == 200
    assert requests.get(api + "/configurations", auth=ADMIN, timeout=10).status_code == 200
    info = requests.get(api + "/systeminfo", auth=ADMIN, timeout=10).json()
    assert info["harbor_version"] == fake_harbor.version.harbor_version
    assert fake_harbor.violations == []
