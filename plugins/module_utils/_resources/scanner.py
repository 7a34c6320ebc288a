# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The scanner resource (manage Harbor's vulnerability scanner registrations).

Shared by the module harbor_ops.harbor.scanner and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import (
    PROJECT_NAME_HEADER,
    HarborError,
    quote_path,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name, split_url

AUTH_TYPES = {"none": "", "basic": "Basic", "bearer": "Bearer", "api-key": "X-ScannerAdapter-API-Key"}
# option -> field of Harbor's registration
FIELDS = dict(adapter_url="url", description="description", skip_cert_verify="skip_certVerify",
              use_internal_addr="use_internal_addr", disabled="disabled")
EDITABLE = ("name", "url", "description", "auth", "skip_certVerify", "use_internal_addr", "disabled")


def update_needs_credential(version):
    """Does a PUT of this Harbor need the credential in its body?

    Harbor 2.10.0 to 2.14.3 and 2.15.0 copy the body onto the registration and validate it, so a PUT without
    ``access_credential`` for an auth type that needs one is refused with 400 "access_credential is required for
    auth type X"; their reads return the stored credential. 2.14.4, 2.15.1 and later keep the stored one
    (``UpdateScanner`` in src/server/v2.0/handler/scanner.go). An unknown version is treated as an old one.
    """
    version = tuple(version or ())[:3]
    version = version + (0,) * (3 - len(version))
    if version >= (2, 15, 1):
        return False
    return not (2, 14, 4) <= version < (2, 15, 0)


class Scanner(HarborResource):
    result_key = "scanner"
    secret_keys = ("access_credential",)
    module_args = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        adapter_url=dict(type="str"),
        description=dict(type="str"),
        auth=dict(type="str", choices=list(AUTH_TYPES)),
        access_credential=dict(type="str", no_log=True),
        update_credential=dict(type="str", choices=["always", "on_create"], default="on_create"),
        skip_cert_verify=dict(type="bool"),
        use_internal_addr=dict(type="bool"),
        disabled=dict(type="bool"),
        default=dict(type="bool"),
        projects=dict(type="list", elements="str"),
    )

    def validate(self):
        if not (self.params["name"] or "").strip():
            return "name must not be empty"
        url = self.params["adapter_url"]
        if url is not None:
            dummy, problem = split_url(url, "adapter_url (the scanner adapter's URL)",
                                       example="http://trivy-adapter:8080")
            if problem:
                return problem
        if self.params["auth"] == "none" and self.params["access_credential"]:
            return "access_credential cannot be used with auth=none"
        for project in self.params["projects"] or []:
            problem = check_name(project)
            if problem:
                return problem
        return None

    def registration(self):
        return self.client.find_by_name("/scanners", self.params["name"])

    def find(self):
        self.known_projects = set()
        registration = self.registration()
        if registration is None:
            return None
        if self.params["projects"] is not None:
            registration["projects"] = sorted(p for p in set(self.params["projects"])
                                              if self.project_scanner(p) == registration["uuid"])
        return registration

    def project_path(self, project):
        return "/projects/%s/scanner" % quote_path(project)

    def project_scanner(self, project):
        """The uuid of the scanner a project uses (its own, or else the system default)."""
        found = self.client.get(self.project_path(project), headers=PROJECT_NAME_HEADER, missing_ok=True)
        if found is not None:
            self.known_projects.add(project)
        return (found or {}).get("uuid")

    def check_projects(self):
        """Every project of ``projects`` exists: resolved before the first write (a missing one is a 404 after the
        registration otherwise)."""
        missing = [name for name in sorted(set(self.params["projects"]) - self.known_projects)
                   if self.client.get_project(name) is None]
        if missing:
            self.missing_reference("projects", ", ".join(missing))

    def desired(self):
        desired = dict(name=self.params["name"])
        desired.update((field, self.params[option]) for option, field in FIELDS.items()
                       if self.params[option] is not None)
        if self.params["auth"] is not None:
            desired["auth"] = AUTH_TYPES[self.params["auth"]]
        if self.params["update_credential"] == "always" and self.params["access_credential"] is not None:
            desired["access_credential"] = self.params["access_credential"]
        if self.params["default"] is not None:
            desired["is_default"] = self.params["default"]
        if self.params["projects"] is not None:
            self.check_projects()
            desired["projects"] = sorted(set(self.params["projects"]))
        return desired

    def create(self, desired):
        if not self.params["adapter_url"]:
            self.fail("scanner %s does not exist; adapter_url is required to register it" % self.params["name"])
        body = dict((key, desired[key]) for key in EDITABLE if key in desired)
        if body.get("auth") and not self.params["access_credential"]:
            self.fail("auth=%s needs access_credential to register scanner %s" % (self.params["auth"],
                                                                                  self.params["name"]))
        if self.params["access_credential"]:
            body["access_credential"] = self.params["access_credential"]
        try:
            created = self.client.create("/scanners", body, find=self.registration)
        except HarborError as exc:
            if exc.status != 500:
                raise
            # Harbor pings the adapter before it registers it; an untyped ping error is its 500
            self.fail("Harbor could not register scanner %s: it answers HTTP 500 when it cannot reach the scanner "
                      "adapter at %s (it asks %s/api/v1/metadata) or the adapter's answer is not valid metadata. "
                      "Check adapter_url, auth and access_credential, and that the adapter runs and Harbor can "
                      "reach it. Harbor said: %s" % (self.params["name"], body["url"], body["url"].rstrip("/"),
                                                     exc.message), **exc.result())
        if desired.get("is_default"):
            self.client.patch("/scanners/%s" % quote_path(created["uuid"]), dict(is_default=True))
        for project in desired.get("projects") or []:
            self.client.put(self.project_path(project), dict(uuid=created["uuid"]), headers=PROJECT_NAME_HEADER)
        return self.find()

    def update(self, current, changes):
        if changes.get("is_default") is False:
            self.fail("scanner %s is Harbor's default scanner; Harbor cannot unset that, make another scanner the "
                      "default instead" % current["name"])
        path = "/scanners/%s" % quote_path(current["uuid"])
        if any(key in changes for key in EDITABLE + ("access_credential",)):
            # PUT replaces the registration: send every editable field, and the credential when it changes, when
            # the auth type changes, or when this Harbor needs it back with every update (update_needs_credential)
            body = dict((key, changes.get(key, current.get(key))) for key in EDITABLE
                        if changes.get(key, current.get(key)) is not None)
            credential = self.update_credential(current, changes, body.get("auth"))
            if credential:
                body["access_credential"] = credential
            self.client.put(path, body)
        if changes.get("is_default"):
            self.client.patch(path, dict(is_default=True))
        for project in sorted(set(changes.get("projects") or []) - set(current.get("projects") or [])):
            self.client.put(self.project_path(project), dict(uuid=current["uuid"]), headers=PROJECT_NAME_HEADER)
        return self.find()

    def update_credential(self, current, changes, auth):
        """The ``access_credential`` of a PUT, or None to leave it out."""
        if "access_credential" in changes:
            return changes["access_credential"]
        if not auth:
            return None
        if "auth" in changes and self.params["access_credential"]:
            return self.params["access_credential"]
        if not update_needs_credential(self.client.version):
            return None  # Harbor keeps the stored credential
        credential = current.get("access_credential") or self.params["access_credential"]
        if not credential:
            self.fail("Harbor %s refuses an update of scanner %s (auth %s) without its credential and did not return "
                      "the stored one; set access_credential" % (self.client.version_text, current["name"], auth))
        return credential

    def delete(self, current):
        self.client.delete("/scanners/%s" % quote_path(current["uuid"]))
