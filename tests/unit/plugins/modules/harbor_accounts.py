# -*- coding: utf-8 -*-
"""Small stateful stand-ins for Harbor's configuration, user, group, member, label and allowlist endpoints.

Served through `responses`, so that the unit tests run the modules end to end at the HTTP transport level
(the full fake Harbor, tests/fake_harbor, serves the integration tests).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

from ...conftest import API, SYSTEMINFO_210, SYSTEMINFO_215

ADMIN = ("admin", "Harbor12345")


def error(status, code, message):
    return status, {}, json.dumps({"errors": [{"code": code, "message": message}]})


def ok():
    return 200, {}, ""


def listing(items):
    return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)


def query(request):
    return dict((k, v[-1]) for k, v in parse_qs(urlsplit(request.url).query).items())


def body(request):
    return json.loads(request.body) if request.body else None


def last_id(request):
    return int(request.path_url.split("?")[0].rstrip("/").rsplit("/", 1)[1])


def credentials(request):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


class HarborConfig(object):
    """GET/PUT /configurations (values wrapped as {value, editable}, password items never returned), pings."""

    WRITE_ONLY = ("ldap_search_password", "oidc_client_secret")

    def __init__(self, mock, version=(2, 15), **values):
        mock.systeminfo(SYSTEMINFO_215 if version >= (2, 11) else SYSTEMINFO_210)
        self.values = dict(
            auth_mode="db_auth", primary_auth_mode=False, read_only=False, self_registration=False,
            project_creation_restriction="everyone", token_expiration=30, robot_token_duration=30,
            robot_name_prefix="robot$", session_timeout=60, storage_per_project=-1, quota_per_project_enable=True,
            notification_enable=True, scanner_skip_update_pulltime=False, banner_message="",
            audit_log_forward_endpoint="", skip_audit_log_database=False,
            ldap_url="", ldap_search_dn="", ldap_base_dn="", ldap_filter="", ldap_uid="cn", ldap_scope=2,
            ldap_timeout=5, ldap_verify_cert=True, ldap_group_base_dn="", ldap_group_search_filter="",
            ldap_group_attribute_name="", ldap_group_admin_dn="", ldap_group_search_scope=2,
            ldap_group_membership_attribute="memberof",
            oidc_name="", oidc_endpoint="", oidc_client_id="", oidc_scope="", oidc_groups_claim="",
            oidc_admin_group="", oidc_group_filter="", oidc_user_claim="", oidc_verify_cert=True,
            oidc_auto_onboard=False, oidc_extra_redirect_parms="{}",
            uaa_endpoint="", uaa_client_id="", uaa_client_secret="", uaa_verify_cert=False,
            http_authproxy_endpoint="", http_authproxy_tokenreview_endpoint="", http_authproxy_admin_groups="",
            http_authproxy_admin_usernames="", http_authproxy_verify_cert=True, http_authproxy_skip_search=False,
            http_authproxy_server_certificate="",
        )
        if version >= (2, 11):
            self.values["ldap_group_attach_parallel"] = False
        if version >= (2, 13):
            self.values.update(oidc_logout=False, disabled_audit_log_event_types="")
        self.values.update(values)
        self.locked = set()      # keys whose editable flag is false
        self.ldap_ping = {"success": True}
        self.oidc_ping_status = 200
        self.pings = []
        mock.add_callback("GET", API + "/configurations", callback=self.get)
        mock.add_callback("PUT", API + "/configurations", callback=self.put)
        mock.add_callback("POST", API + "/ldap/ping", callback=self.post_ldap_ping)
        mock.add_callback("POST", API + "/system/oidc/ping", callback=self.post_oidc_ping)

    def get(self, request):
        wrapped = dict((key, {"value": value, "editable": key not in self.locked})
                       for key, value in self.values.items() if key not in self.WRITE_ONLY)
        wrapped["scan_all_policy"] = {"type": "none"}
        return 200, {}, json.dumps(wrapped)

    def put(self, request):
        self.values.update(body(request))
        return ok()

    def post_ldap_ping(self, request):
        self.pings.append(("ldap", body(request)))
        return 200, {}, json.dumps(self.ldap_ping)

    def post_oidc_ping(self, request):
        self.pings.append(("oidc", body(request)))
        if self.oidc_ping_status != 200:
            return error(400, "BAD_REQUEST", "failed to verify connection: no such host")
        return ok()


class HarborUsers(object):
    """/systeminfo (auth-aware), /users, /users/search, /users/{id}[/sysadmin|/password]."""

    def __init__(self, mock, auth_mode="db_auth", admin_password=ADMIN[1]):
        self.auth_mode = auth_mode
        self.users = {1: dict(user_id=1, username="admin", email="admin@example.com", realname="system admin",
                              comment="admin user", sysadmin_flag=True)}
        self.passwords = {1: admin_password}
        self.next_id = 2
        mock.add_callback("GET", API + "/systeminfo", callback=self.systeminfo)
        mock.add_callback("GET", re.compile(API + r"/users/search(\?.*)?$"), callback=self.search)
        mock.add_callback("GET", re.compile(API + r"/users(\?.*)?$"), callback=self.list)
        mock.add_callback("POST", API + "/users", callback=self.create)
        mock.add_callback("GET", re.compile(API + r"/users/\d+$"), callback=self.get)
        mock.add_callback("PUT", re.compile(API + r"/users/\d+$"), callback=self.put)
        mock.add_callback("DELETE", re.compile(API + r"/users/\d+$"), callback=self.delete)
        mock.add_callback("PUT", re.compile(API + r"/users/\d+/sysadmin$"), callback=self.sysadmin)
        mock.add_callback("PUT", re.compile(API + r"/users/\d+/password$"), callback=self.password)

    def add(self, username, password="Passw0rd-X", sysadmin=False, **profile):
        user = dict(user_id=self.next_id, username=username, email=profile.get("email", username + "@example.com"),
                    realname=profile.get("realname", username.title()), comment=profile.get("comment", ""),
                    sysadmin_flag=sysadmin)
        self.users[user["user_id"]] = user
        self.passwords[user["user_id"]] = password
        self.next_id += 1
        return user

    def by_name(self, username):
        return next((u for u in self.users.values() if u["username"] == username), None)

    def systeminfo(self, request):
        info = dict(auth_mode=self.auth_mode)
        creds = credentials(request)
        user = self.by_name(creds[0]) if creds else None
        if user is not None and self.passwords[user["user_id"]] == creds[1]:
            info["harbor_version"] = SYSTEMINFO_215["harbor_version"]
        return 200, {}, json.dumps(info)

    def search(self, request):
        name = query(request).get("username", "")
        return listing([dict(user_id=u["user_id"], username=u["username"]) for u in self.users.values()
                        if name in u["username"]])

    def list(self, request):
        return listing(sorted(self.users.values(), key=lambda u: u["username"]))

    def create(self, request):
        req = body(request)
        if self.by_name(req["username"]):
            return error(409, "CONFLICT", "username %s is already used" % req["username"])
        user = self.add(req["username"], req["password"], email=req["email"], realname=req["realname"],
                        comment=req.get("comment", ""))
        return 201, {"Location": "/api/v2.0/users/%d" % user["user_id"]}, ""

    def get(self, request):
        user = self.users.get(last_id(request))
        return (200, {}, json.dumps(user)) if user else error(404, "NOT_FOUND", "user not found")

    def put(self, request):
        self.users[last_id(request)].update(body(request))
        return ok()

    def delete(self, request):
        del self.users[last_id(request)]
        return ok()

    def sysadmin(self, request):
        self.users[int(request.path_url.split("/")[-2])]["sysadmin_flag"] = body(request)["sysadmin_flag"]
        return ok()

    def password(self, request):
        self.passwords[int(request.path_url.split("/")[-2])] = body(request)["new_password"]
        return ok()


class HarborGroups(object):
    """/usergroups (group_name fuzzy, ldap_group_dn exact) with 409 on duplicates."""

    def __init__(self, mock, race=False):
        self.groups = {}
        self.next_id = 1
        # race: another client creates the group just before our POST arrives, which then gets 409
        self.race = race
        mock.add_callback("GET", re.compile(API + r"/usergroups(\?.*)?$"), callback=self.list)
        mock.add_callback("POST", API + "/usergroups", callback=self.create)
        mock.add_callback("DELETE", re.compile(API + r"/usergroups/\d+$"), callback=self.delete)

    def add(self, name, group_type, dn=None):
        group = dict(id=self.next_id, group_name=name, group_type=group_type)
        if dn:
            group["ldap_group_dn"] = dn
        self.groups[group["id"]] = group
        self.next_id += 1
        return group

    def list(self, request):
        params = query(request)
        items = [g for g in self.groups.values() if params.get("group_name", "") in g["group_name"]
                 and ("ldap_group_dn" not in params or g.get("ldap_group_dn") == params["ldap_group_dn"])]
        return listing(items)

    def create(self, request):
        req = body(request)
        if self.race:
            self.add(req["group_name"], req["group_type"], req.get("ldap_group_dn"))
        if any(
                (g["group_name"], g["group_type"]) == (req["group_name"], req["group_type"])
                or (req.get("ldap_group_dn") and g.get("ldap_group_dn") == req["ldap_group_dn"])
                for g in self.groups.values()):
            return error(409, "CONFLICT", "the user group already exists")
        group = self.add(req["group_name"], req["group_type"], req.get("ldap_group_dn"))
        return 201, {"Location": "/api/v2.0/usergroups/%d" % group["id"]}, ""

    def delete(self, request):
        del self.groups[last_id(request)]
        return ok()


class HarborProjectsLite(object):
    """GET /projects/{name} with a cve_allowlist, PUT of metadata and cve_allowlist."""

    def __init__(self, mock):
        self.projects = {}
        mock.add_callback("GET", re.compile(API + r"/projects/[^/?]+$"), callback=self.get)
        mock.add_callback("PUT", re.compile(API + r"/projects/[^/?]+$"), callback=self.put)

    def add(self, name, project_id, metadata=None, items=(), expires_at=None):
        allowlist = dict(id=project_id + 100, project_id=project_id, items=[dict(cve_id=i) for i in items])
        if expires_at is not None:
            allowlist["expires_at"] = expires_at
        self.projects[name] = dict(project_id=project_id, name=name, metadata=dict(metadata or {"public": "false"}),
                                   cve_allowlist=allowlist)
        return self.projects[name]

    def get(self, request):
        project = self.projects.get(request.path_url.rsplit("/", 1)[1])
        return (200, {}, json.dumps(project)) if project else error(404, "NOT_FOUND", "project not found")

    def put(self, request):
        project = self.projects[request.path_url.rsplit("/", 1)[1]]
        req = body(request)
        project["metadata"].update(req.get("metadata") or {})
        if "cve_allowlist" in req:
            allowlist = project["cve_allowlist"]
            allowlist["items"] = req["cve_allowlist"]["items"]
            allowlist.pop("expires_at", None)
            if req["cve_allowlist"].get("expires_at") is not None:
                allowlist["expires_at"] = req["cve_allowlist"]["expires_at"]
        return ok()


class HarborMembers(object):
    """/projects/{p}/members (entityname is a substring match)."""

    def __init__(self, mock, projects, groups=None):
        self.projects = projects
        self.groups = groups
        self.members = []
        self.next_id = 1
        base = API + r"/projects/([^/?]+)/members"
        mock.add_callback("GET", re.compile(base + r"(\?.*)?$"), callback=self.list)
        mock.add_callback("POST", re.compile(base + "$"), callback=self.create)
        mock.add_callback("PUT", re.compile(base + r"/\d+$"), callback=self.put)
        mock.add_callback("DELETE", re.compile(base + r"/\d+$"), callback=self.delete)

    def add(self, project, entity_type, name, role_id, entity_id=1):
        member = dict(id=self.next_id, project_id=self.projects.projects[project]["project_id"], entity_name=name,
                      entity_type=entity_type, entity_id=entity_id, role_id=role_id, role_name="r%d" % role_id)
        self.members.append(member)
        self.next_id += 1
        return member

    def project_of(self, request):
        return self.projects.projects[request.path_url.split("/")[4]]

    def list(self, request):
        project = self.project_of(request)
        name = query(request).get("entityname", "")
        return listing([m for m in self.members if m["project_id"] == project["project_id"]
                        and name.lower() in m["entity_name"].lower()])

    def create(self, request):
        project, req = self.project_of(request), body(request)
        if "member_user" in req:
            entity_type, name = "u", req["member_user"]["username"]
        else:
            entity_type, name = "g", self.groups.groups[req["member_group"]["id"]]["group_name"]
        member = self.add(project["name"], entity_type, name, req["role_id"])
        return 201, {"Location": "/api/v2.0/projects/%s/members/%d" % (project["name"], member["id"])}, ""

    def put(self, request):
        member = next(m for m in self.members if m["id"] == last_id(request))
        member["role_id"] = body(request)["role_id"]
        return ok()

    def delete(self, request):
        self.members[:] = [m for m in self.members if m["id"] != last_id(request)]
        return ok()


class HarborLabels(object):
    """/labels (needs scope; name is a substring match)."""

    def __init__(self, mock):
        self.labels = {}
        self.next_id = 1
        mock.add_callback("GET", re.compile(API + r"/labels(\?.*)?$"), callback=self.list)
        mock.add_callback("POST", API + "/labels", callback=self.create)
        mock.add_callback("PUT", re.compile(API + r"/labels/\d+$"), callback=self.put)
        mock.add_callback("DELETE", re.compile(API + r"/labels/\d+$"), callback=self.delete)

    def add(self, name, scope="g", project_id=0, description="", color=""):
        label = dict(id=self.next_id, name=name, scope=scope, project_id=project_id, description=description,
                     color=color)
        self.labels[label["id"]] = label
        self.next_id += 1
        return label

    def list(self, request):
        params = query(request)
        if params.get("scope") not in ("g", "p") or (params["scope"] == "p" and not params.get("project_id")):
            return error(400, "BAD_REQUEST", "invalid scope")
        return listing([l for l in self.labels.values() if l["scope"] == params["scope"]
                        and (params["scope"] == "g" or l["project_id"] == int(params["project_id"]))
                        and params.get("name", "") in l["name"]])

    def create(self, request):
        req = body(request)
        label = self.add(req["name"], req["scope"], req.get("project_id", 0), req.get("description", ""),
                         req.get("color", ""))
        return 201, {"Location": "/api/v2.0/labels/%d" % label["id"]}, ""

    def put(self, request):
        self.labels[last_id(request)].update(body(request))
        return ok()

    def delete(self, request):
        del self.labels[last_id(request)]
        return ok()


class HarborSystemAllowlist(object):
    """GET/PUT /system/CVEAllowlist (PUT overwrites)."""

    def __init__(self, mock, items=(), expires_at=None):
        self.allowlist = dict(id=1, project_id=0, items=[dict(cve_id=i) for i in items])
        if expires_at is not None:
            self.allowlist["expires_at"] = expires_at
        mock.add_callback("GET", API + "/system/CVEAllowlist", callback=self.get)
        mock.add_callback("PUT", API + "/system/CVEAllowlist", callback=self.put)

    def get(self, request):
        return 200, {}, json.dumps(self.allowlist)

    def put(self, request):
        req = body(request)
        self.allowlist = dict(id=1, project_id=0, items=req.get("items") or [])
        if req.get("expires_at") is not None:
            self.allowlist["expires_at"] = req["expires_at"]
        return ok()
