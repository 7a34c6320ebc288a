#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: health_info
short_description: Read the health of Harbor's components, or wait until Harbor is healthy
version_added: 0.1.0
description:
  - Return the health of every Harbor component (core, portal, jobservice, registry, registryctl, database,
    redis, and trivy when Harbor was installed with Trivy) and the overall status.
  - Harbor's C(/health) always answers HTTP 200, also when components are down; the module reads the body.
  - With O(wait=true) the module waits until Harbor is reachable, accepts the credentials and reports every
    component healthy (a readiness check after an install or upgrade), and fails after O(wait_timeout) naming
    the unhealthy components.
  - Register the result; no fact is set (earlier releases set C(harbor_health)).
  - A long wait is best split into short rounds in a loop, so that every round prints a line naming the
    components still unhealthy (see the examples); one task waiting 600 seconds prints nothing until it ends.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  wait:
    description:
      - Wait until Harbor is healthy; fail after O(wait_timeout) seconds.
      - Without waiting, an unhealthy Harbor is reported, not a failure.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 300
seealso:
  - module: harbor_ops.harbor.system_info
"""

EXAMPLES = r"""
- name: Wait until the new Harbor is ready (after the install)
  harbor_ops.harbor.health_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    wait: true
    wait_timeout: 600

- name: Read the health of every component (the seed guide's health check)
  harbor_ops.harbor.health_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
  register: health

- name: Report the components that are not healthy
  ansible.builtin.debug:
    msg: "Unhealthy: {{ health.health.unhealthy | join(', ') }}"
  when: not health.health.healthy

- name: "Wait up to 600 seconds in rounds of 10, one line per round (core, jobservice: unhealthy (40 s of 600 s))"
  harbor_ops.harbor.health_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    wait: true
    wait_timeout: 10
  loop: "{{ range(60) | list }}"
  loop_control:
    index_var: round
    label: "{{ round_health.health.summary | default(round_health.msg) }} ({{ (round + 1) * 10 }} s of 600 s)"
    break_when: round_health.health.healthy | default(false)
  register: round_health
  failed_when: false
"""

RETURN = r"""
health:
  description: The health of Harbor and its components.
  returned: always
  type: dict
  contains:
    status:
      description: V(healthy) when every component is healthy, else V(unhealthy).
      type: str
      sample: healthy
    healthy:
      description: Whether RV(health.status) is V(healthy).
      type: bool
      sample: true
    components:
      description: Every component with its C(name), C(status) and, when unhealthy, C(error), as Harbor reports it.
      type: list
      elements: dict
      sample: [{"name": "core", "status": "healthy"}, {"name": "redis", "status": "unhealthy",
                "error": "dial tcp: connection refused"}]
    component_status:
      description: The status of each component by name.
      type: dict
      sample: {"core": "healthy", "redis": "unhealthy", "trivy": "healthy"}
    unhealthy:
      description: Names of the components that are not healthy.
      type: list
      elements: str
      sample: ["redis"]
    summary:
      description:
        - One line for a person - the components that are not healthy, V(all 8 components healthy), or why
          Harbor could not be read while it starts (with O(wait)).
      type: str
      sample: "core, jobservice: unhealthy"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, TlsError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import check_wait_timeout, wait_until
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo


def summarize(body, error=None):
    body = body if isinstance(body, dict) else {}
    components = [c for c in body.get("components") or [] if isinstance(c, dict)]
    status = body.get("status") or "unknown"
    unhealthy = [c.get("name") for c in components if c.get("status") != "healthy"]
    if error is not None:
        summary = "Harbor not answering yet: %s" % error
    elif unhealthy:
        summary = "%s: unhealthy" % ", ".join(str(name) for name in unhealthy)
    elif status == "healthy":
        summary = "all %d components healthy" % len(components)
    else:
        summary = "status %s, no component reported" % status
    health = dict(
        status=status,
        healthy=status == "healthy",
        components=components,
        component_status=dict((c.get("name"), c.get("status")) for c in components),
        unhealthy=unhealthy,
        summary=summary,
    )
    if error is not None:
        health["error"] = error
    return health


class HealthInfo(HarborInfo):
    module_args = dict(
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )

    def validate(self):
        return check_wait_timeout(self.params["wait_timeout"])

    def read(self):
        return summarize(self.client.get("/health"))

    def read_while_starting(self):
        """Read the health; while Harbor is starting (unreachable, 5xx), an unknown health with the error."""
        try:
            return self.read()
        except HarborError as exc:
            if (exc.status is not None and exc.status < 500) or isinstance(exc, TlsError):
                raise  # wrong credentials, an untrusted certificate, ...: waiting does not help
            return summarize({}, error=exc.message)

    def gather(self):
        if not self.params["wait"]:
            health = self.read()
        else:
            health, healthy = wait_until(self.read_while_starting, lambda h: h["healthy"], self.params["wait_timeout"])
            if not healthy:
                if health.get("error"):
                    problem = "Harbor is not reachable: %s" % health["error"]
                else:
                    problem = "unhealthy components: %s" % ", ".join(
                        "%s (%s)" % (c.get("name"), c.get("error") or c.get("status")) for c in health["components"]
                        if c.get("status") != "healthy") or "none reported"
                self.fail("Harbor at %s is not healthy after %d seconds (wait_timeout): %s"
                          % (self.client.base_url, self.params["wait_timeout"], problem), health=health)
        return dict(health=health)


def main():
    HealthInfo.run_module()


if __name__ == "__main__":
    main()
