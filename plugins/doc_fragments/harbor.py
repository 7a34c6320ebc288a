# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment(object):

    # Connection options of every Harbor API module.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of Harbor, for example V(https://registry.example.com).
      - A trailing C(/api/v2.0) is accepted and ignored.
      - If not set, the value of the E(HARBOR_URL) environment variable is used.
    type: str
    required: true
  username:
    description:
      - Harbor user (or robot account, for example V(robot$ci)) that the module authenticates as with HTTP basic auth.
      - If not set, the value of the E(HARBOR_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username), or the secret of a robot account, or the CLI secret of an OIDC user.
      - If not set, the value of the E(HARBOR_PASSWORD) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify Harbor's TLS certificate. Only set V(false) on test systems.
      - If not set, the value of the E(HARBOR_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed Harbor's certificate, when it is not in the system trust store.
      - If not set, the value of the E(HARBOR_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: int
    default: 30
requirements:
  - requests >= 2.25.0 (on the host that runs the module, usually the controller)
notes:
  - >-
    The module talks to Harbor's REST API v2.0 from the host it runs on. Run it on the controller with
    C(delegate_to: localhost) and C(run_once: true), or in a play on C(hosts: localhost).
  - Set the connection options once for a play with C(module_defaults) and the action group
    C(group/harbor_ops.harbor.harbor).
  - Harbor serves a request with wrong credentials as anonymous instead of refusing it; the module detects
    this on its first request and fails with "authentication failed" rather than a misleading 403 or 404.
  - Harbor 2.10 to 2.15 are supported; options that a version does not know are refused with the version
    they need.
seealso:
  - name: Harbor REST API
    description: Harbor's API v2.0 reference (Swagger).
    link: https://goharbor.io/docs/latest/working-with-projects/using-api-explorer/
"""

    # For modules that change state.
    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target. No write request is sent.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode. Secrets are masked.
    support: full
  action_group:
    description: Use C(group/harbor_ops.harbor.harbor) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - harbor_ops.harbor.harbor
"""

    # For modules that only read.
    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details:
      - This action does not modify state.
  action_group:
    description: Use C(group/harbor_ops.harbor.harbor) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - harbor_ops.harbor.harbor
"""
