# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The cve_allowlist resource (manage Harbor's CVE allowlists (system-wide or per project)).

Shared by the module harbor_ops.harbor.cve_allowlist and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import calendar
import datetime
import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import INT64_MAX, check_name, shown

CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")
NEVER = ("never", "none", "")
_DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
                          r"(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_expiry(value):
    """(epoch seconds or None for never, error message or None)."""
    text = str(value).strip()
    if text.lower() in NEVER:
        return None, None
    if text.isdigit():
        if int(text) > INT64_MAX:
            return None, "expires_at %s is beyond what Harbor can store (seconds since the epoch, int64)" % shown(value)
        return int(text), None
    match = _DATETIME_RE.match(text)
    if match:
        year, month, day, hour, minute, second, offset = match.groups()
        try:
            moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                       int(second or 0))
        except ValueError:
            match = None
        else:
            epoch = calendar.timegm(moment.timetuple())
            if offset and offset != "Z":
                sign = 1 if offset[0] == "+" else -1
                digits = offset[1:].replace(":", "")
                epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
            return epoch, None
    return None, ("expires_at %r is not a date (2026-12-31), a date and time (2026-12-31T18:00:00Z), "
                  "seconds since the epoch, or never" % value)


def cve_ids(items):
    """Harbor's ``[{"cve_id": ...}]`` as a sorted list of ids."""
    return sorted(set(item.get("cve_id") for item in items or [] if item.get("cve_id")))


class CveAllowlist(HarborResource):
    result_key = "cve_allowlist"
    absent_means_empty = True
    module_args = dict(
        project=dict(type="str", aliases=["project_name"]),
        cves=dict(type="list", elements="str"),
        expires_at=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs = dict(
        required_if=[("state", "present", ("cves", "expires_at"), True)],
    )

    def validate(self):
        if self.params["project"] is not None:
            problem = check_name(self.params["project"])
            if problem:
                return problem
        bad = [cve for cve in self.params["cves"] or [] if not CVE_RE.match(cve)]
        if bad:
            return ("cves: %s %s not a CVE id of the form CVE-YYYY-NNNN (for example CVE-2024-3094)"
                    % (", ".join(repr(cve) for cve in bad), "is" if len(bad) == 1 else "are"))
        self.expires_at = None
        if self.params["expires_at"] is not None:
            self.expires_at, problem = parse_expiry(self.params["expires_at"])
            return problem
        return None

    @property
    def project_path(self):
        return "/projects/" + quote_path(self.params["project"])

    def find(self):
        if self.params["project"] is None:
            allowlist = self.client.get("/system/CVEAllowlist") or {}
            current = dict(allowlist, project_id=0)  # Harbor's JSON leaves out the system list's project_id 0
        else:
            project = self.client.get_project(self.params["project"])
            if project is None:
                if self.params["state"] == "present":
                    self.missing_reference("project", self.params["project"])
                return dict(cves=[], expires_at=None)  # no project (yet), so an empty list
            current = dict(project.get("cve_allowlist") or {}, project_id=project["project_id"])
            current["reuse_sys_cve_allowlist"] = (project.get("metadata") or {}).get("reuse_sys_cve_allowlist",
                                                                                     "false")
        current["cves"] = cve_ids(current.pop("items", None))
        current["expires_at"] = current.get("expires_at")
        return current

    def desired(self):
        if self.params["state"] == "absent":
            return dict(cves=[], expires_at=None)
        desired = {}
        if self.params["cves"] is not None:
            desired["cves"] = sorted(set(self.params["cves"]))
        if self.params["expires_at"] is not None:
            desired["expires_at"] = self.expires_at
        if self.params["project"] is not None:
            desired["reuse_sys_cve_allowlist"] = "false"
        return desired

    def update(self, current, changes):
        allowlist = dict(items=[dict(cve_id=cve) for cve in changes.get("cves", current["cves"])],
                         expires_at=changes.get("expires_at", current.get("expires_at")))
        if self.params["project"] is None:
            # PUT overwrites the whole list: send the stored values of what does not change.
            self.client.put("/system/CVEAllowlist", allowlist)
        else:
            body = {}
            if "cves" in changes or "expires_at" in changes:
                body["cve_allowlist"] = allowlist
            if "reuse_sys_cve_allowlist" in changes:
                body["metadata"] = dict(reuse_sys_cve_allowlist=changes["reuse_sys_cve_allowlist"])
            self.client.put(self.project_path, body, headers=PROJECT_NAME_HEADER)
        return self.find()

    def create(self, desired):  # pragma: no cover - an allowlist always exists (absent_means_empty)
        raise NotImplementedError

    def delete(self, current):  # pragma: no cover - state=absent empties the list through update()
        raise NotImplementedError
