#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: scan
short_description: Scan an artifact in Harbor for vulnerabilities, optionally as a CI gate
version_added: 0.1.0
description:
  - Scan one artifact (an image given by project, repository and tag or digest) with the project's scanner
    (or Harbor's default scanner), wait for the scan, and return the number of findings per severity and the
    vulnerability report.
  - With O(fail_on_severity) the task fails when the artifact has findings at or above that severity, a gate
    for a CI/CD pipeline. The failure message lists the counts and the worst CVEs.
  - Harbor chooses the report format with its own header C(X-Accept-Vulnerabilities) and answers a report keyed
    by its MIME type; the module handles both and returns the report itself.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project of the artifact.
    type: str
    required: true
  repository:
    description:
      - Name of the repository inside the project, without the project name (V(my-app), or V(team/my-app)).
    type: str
    required: true
  tag:
    description: Tag of the artifact. One of O(tag) and O(digest) is required.
    type: str
  digest:
    description: Digest of the artifact, for example V(sha256:0123...).
    type: str
  rescan:
    description:
      - Scan even when the artifact already has a complete report.
      - With V(false), an existing successful report is used (for example from scan on push) and nothing is
        started; the task is then unchanged.
    type: bool
    default: true
  wait:
    description:
      - Wait until the scan has ended and return its report. Without waiting the module returns right after
        starting the scan, and O(fail_on_severity) cannot be used.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the scan; the module fails when it is still running then.
    type: int
    default: 600
  fail_on_severity:
    description:
      - Fail when the report has findings at or above this severity (V(critical) is the strictest gate that
        lets the most through, V(low) fails on nearly any finding).
    type: str
    choices: [critical, high, medium, low]
notes:
  - >-
    As a system robot this module needs C(artifact: read), C(scan: create) on the project (a permission entry for
    that project or for every project, V(*)).
  - In check mode no scan is started; with O(rescan=false) and an existing report, the report is read and the
    gate applies.
seealso:
  - module: harbor_ops.harbor.vulnerability_info
  - module: harbor_ops.harbor.scan_all
  - module: harbor_ops.harbor.scanner
"""

EXAMPLES = r"""
- name: CI gate - scan the release image and fail on critical vulnerabilities
  harbor_ops.harbor.scan:
    url: https://registry.example.com
    username: "robot$production+ci"
    password: "{{ harbor_robot_secret }}"
    project: production
    repository: my-app
    tag: v1.2.3
    fail_on_severity: critical
    wait_timeout: 900
  register: scan

- name: Show the findings
  ansible.builtin.debug:
    msg: "{{ scan.scan.counts.high }} high, {{ scan.scan.counts.medium }} medium vulnerabilities"

- name: Gate on the report that scan on push already made
  harbor_ops.harbor.scan:
    url: https://registry.example.com
    username: "robot$production+ci"
    password: "{{ harbor_robot_secret }}"
    project: production
    repository: team/api
    digest: "{{ image_digest }}"
    rescan: false
    fail_on_severity: high
"""

RETURN = r"""
scan:
  description: The scan of the artifact (its status right after the start without O(wait)).
  returned: always
  type: dict
  contains:
    status:
      description: V(Pending), V(Running), V(Success), V(Error) or V(Stopped); V(Not Scanned) when none exists.
      type: str
      sample: Success
    severity:
      description: The most severe finding, as Harbor names it (V(None) when there is none).
      type: str
      sample: High
    report_id:
      description: Id of Harbor's report.
      type: str
    mime_type:
      description: The report's MIME type (its key in Harbor's answer).
      type: str
      sample: "application/vnd.security.vulnerability.report; version=1.1"
    counts:
      description: Findings per severity (V(critical), V(high), V(medium), V(low), V(negligible), V(unknown),
        V(none)), plus V(total) and V(fixable).
      type: dict
      sample: {"critical": 0, "high": 2, "medium": 5, "low": 1, "negligible": 0, "unknown": 0, "none": 0,
               "total": 8, "fixable": 6}
    start_time:
      description: When the scan started.
      type: str
    end_time:
      description: When the scan ended.
      type: str
    scanner:
      description: Name, vendor and version of the scanner.
      type: dict
      sample: {"name": "Trivy", "vendor": "Aqua Security", "version": "v0.56.2"}
vulnerabilities:
  description: The findings of the report (C(id), C(package), C(version), C(fix_version), C(severity),
    C(description), C(links), ...).
  returned: when the scan has ended successfully
  type: list
  elements: dict
artifact:
  description: Digest and tags of the scanned artifact.
  returned: always
  type: dict
  sample: {"digest": "sha256:0123...", "tags": ["v1.2.3"]}
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import check_wait_timeout, wait_until
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborAction
from ansible_collections.harbor_ops.harbor.plugins.module_utils._scan import (
    ARTIFACT_ARGS,
    ARTIFACT_KWARGS,
    FINAL_STATUSES,
    GATE_SEVERITIES,
    accept_header,
    artifact_name,
    artifact_path,
    check_artifact,
    count,
    count_summary,
    gate_message,
    keyed,
    overview,
)


class Scan(HarborAction):
    module_args = dict(
        rescan=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        fail_on_severity=dict(type="str", choices=GATE_SEVERITIES),
        **ARTIFACT_ARGS
    )
    module_kwargs = ARTIFACT_KWARGS

    def validate(self):
        problem = check_artifact(self.params) or check_wait_timeout(self.params["wait_timeout"])
        if problem is None and self.params["fail_on_severity"] and not self.params["wait"]:
            problem = "fail_on_severity needs wait=true: the gate reads the finished report"
        return problem

    @property
    def name(self):
        return artifact_name(self.params)

    def read_artifact(self):
        artifact = self.client.get(artifact_path(self.params), params=dict(with_scan_overview=True),
                                   headers=accept_header(), missing_ok=True)
        if artifact is None:
            self.fail("artifact %s does not exist in Harbor at %s (check project, repository and %s)"
                      % (self.name, self.client.base_url, "tag" if self.params["tag"] else "digest"))
        return artifact

    def execute(self):
        artifact = self.read_artifact()
        mime_type, before = overview(artifact)
        reuse = not self.params["rescan"] and before is not None and before.get("scan_status") == "Success"
        result = dict(changed=False, artifact=dict(digest=artifact.get("digest"),
                                                   tags=[t.get("name") for t in artifact.get("tags") or []]))
        if reuse:
            return self.finish(result, artifact)
        diff = dict(before=dict(scan=(before or {}).get("report_id")), after=dict(scan="started"))
        if self.module.check_mode:
            result.update(changed=True, scan=self.summary(mime_type, before))
            if self.module._diff:
                result["diff"] = diff
            return result
        started = self.start()
        result["changed"] = started
        if self.module._diff and started:
            result["diff"] = diff
        previous = (before or {}).get("report_id") if started else None
        if not self.params["wait"]:
            mime_type, now = overview(self.read_artifact())
            result["scan"] = self.summary(mime_type, now)
            return result
        artifact, finished = wait_until(self.read_artifact, lambda a: self.ended(a, previous),
                                        self.params["wait_timeout"])
        if not finished:
            mime_type, now = overview(artifact)
            self.fail("the scan of %s is still %s after %d seconds (wait_timeout)" % (
                self.name, (now or {}).get("scan_status", "pending"), self.params["wait_timeout"]),
                scan=self.summary(mime_type, now))
        return self.finish(result, artifact)

    def start(self):
        """Start a scan; False when Harbor says one is running already (the module then waits for that one)."""
        try:
            self.client.post(artifact_path(self.params) + "/scan", ok=(202,))
        except HarborError as exc:
            if exc.status == 409:
                return False
            if exc.status == 412:
                self.fail("Harbor cannot scan %s: no scanner is configured for project %s and there is no default "
                          "scanner (see harbor_ops.harbor.scanner). Harbor said: %s"
                          % (self.name, self.params["project"], exc.message), **exc.result())
            raise
        return True

    @staticmethod
    def ended(artifact, previous):
        _mime_type, now = overview(artifact)
        if now is None or now.get("scan_status") not in FINAL_STATUSES:
            return False
        return previous is None or now.get("report_id") != previous

    @staticmethod
    def summary(mime_type, item):
        if item is None:
            return dict(status="Not Scanned", counts=count([]))
        return dict(status=item.get("scan_status"), severity=item.get("severity"), report_id=item.get("report_id"),
                    mime_type=mime_type, counts=count_summary(item.get("summary")), start_time=item.get("start_time"),
                    end_time=item.get("end_time"), scanner=item.get("scanner"))

    def finish(self, result, artifact):
        mime_type, item = overview(artifact)
        scan = self.summary(mime_type, item)
        result["scan"] = scan
        if scan["status"] != "Success":
            self.fail("the scan of %s ended with status %s" % (self.name, scan["status"]), scan=scan)
        report_type, report = keyed(self.client.get(artifact_path(self.params) + "/additions/vulnerabilities",
                                                    headers=accept_header()))
        vulnerabilities = (report or {}).get("vulnerabilities") or []
        if report is not None:
            scan.update(mime_type=report_type, counts=count(vulnerabilities),
                        severity=report.get("severity", scan["severity"]))
        result["vulnerabilities"] = vulnerabilities
        threshold = self.params["fail_on_severity"]
        if threshold:
            problem = gate_message(self.name, scan["counts"], threshold, vulnerabilities)
            if problem:
                self.fail(problem, scan=scan, artifact=result["artifact"], changed=result["changed"])
        return result


def main():
    Scan.run_module()


if __name__ == "__main__":
    main()
