"""A stateful fake of Harbor's REST API v2.0, held to Harbor's Swagger specs.

    from tests.fake_harbor import FakeHarbor

    with FakeHarbor(version="2.15", tls=True) as harbor:
        requests.get(harbor.url + "/api/v2.0/ping", verify=harbor.ca_path)

See README.md in this directory.
"""

from .server import FakeHarbor
from .version import HarborVersion

__all__ = ["FakeHarbor", "HarborVersion"]
