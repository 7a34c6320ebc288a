# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The configuration resource (manage Harbor's system configuration and authentication).

Shared by the module harbor_ops.harbor.configuration and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import json
import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, differences, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import MAX_DURATION
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import (
    INT32_MAX,
    check_int_range,
    parse_storage,
    shown,
    split_url,
)

AUTH_MODES = dict(db="db_auth", ldap="ldap_auth", oidc="oidc_auth", uaa="uaa_auth", http="http_auth")
SCOPES = dict(base=0, onelevel=1, subtree=2)
AUDIT_EVENT_TYPES = ["create_artifact", "delete_artifact", "pull_artifact", "create_project", "delete_project",
                     "delete_repository", "login_user", "logout_user", "create_user", "delete_user", "update_user",
                     "create_robot", "delete_robot", "update_configuration"]
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")

# Write-only secrets (never returned by GET /configurations) and the block they belong to.
WRITE_ONLY_SECRETS = {"ldap_search_password": "ldap_", "oidc_client_secret": "oidc_"}

# block -> [(option, Harbor key, conversion)]; conversions: None (as is), "scope" (name -> 0/1/2),
# "csv" (list -> comma string, order ignored), "json" (dict -> JSON string, compared as values)
BLOCKS = {
    "ldap": [
        ("url", "ldap_url", None), ("search_dn", "ldap_search_dn", None),
        ("search_password", "ldap_search_password", None), ("base_dn", "ldap_base_dn", None),
        ("filter", "ldap_filter", None), ("uid", "ldap_uid", None), ("scope", "ldap_scope", "scope"),
        ("timeout", "ldap_timeout", None), ("verify_cert", "ldap_verify_cert", None),
        ("group_base_dn", "ldap_group_base_dn", None), ("group_filter", "ldap_group_search_filter", None),
        ("group_attribute_name", "ldap_group_attribute_name", None),
        ("group_admin_dn", "ldap_group_admin_dn", None), ("group_scope", "ldap_group_search_scope", "scope"),
        ("group_membership_attribute", "ldap_group_membership_attribute", None),
        ("group_attach_parallel", "ldap_group_attach_parallel", None),
    ],
    "oidc": [
        ("name", "oidc_name", None), ("endpoint", "oidc_endpoint", None), ("client_id", "oidc_client_id", None),
        ("client_secret", "oidc_client_secret", None), ("scope", "oidc_scope", "csv"),
        ("groups_claim", "oidc_groups_claim", None), ("admin_group", "oidc_admin_group", None),
        ("group_filter", "oidc_group_filter", None), ("verify_cert", "oidc_verify_cert", None),
        ("auto_onboard", "oidc_auto_onboard", None), ("user_claim", "oidc_user_claim", None),
        ("extra_redirect_params", "oidc_extra_redirect_parms", "json"), ("logout", "oidc_logout", None),
    ],
    "uaa": [
        ("endpoint", "uaa_endpoint", None), ("client_id", "uaa_client_id", None),
        ("client_secret", "uaa_client_secret", None), ("verify_cert", "uaa_verify_cert", None),
    ],
    "http_authproxy": [
        ("endpoint", "http_authproxy_endpoint", None),
        ("tokenreview_endpoint", "http_authproxy_tokenreview_endpoint", None),
        ("admin_groups", "http_authproxy_admin_groups", "csv"),
        ("admin_usernames", "http_authproxy_admin_usernames", "csv"),
        ("verify_cert", "http_authproxy_verify_cert", None), ("skip_search", "http_authproxy_skip_search", None),
        ("server_certificate", "http_authproxy_server_certificate", None),
    ],
}
# Top-level options that are Harbor keys of the same name.
SYSTEM_KEYS = ["primary_auth_mode", "project_creation_restriction", "read_only", "robot_name_prefix",
               "robot_token_duration", "self_registration", "quota_per_project_enable", "token_expiration",
               "session_timeout", "notification_enable", "scanner_skip_update_pulltime", "audit_log_forward_endpoint",
               "skip_audit_log_database"]
POSITIVE_INTS = ["robot_token_duration", "token_expiration", "session_timeout"]
# Harbor forwards audit logs to syslog at host:port (a TCP address, no scheme)
SYSLOG_ENDPOINT_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252})):([0-9]{1,5})$")
# LdapConf (the body of POST /ldap/ping) names the timeout differently from the configuration key.
LDAP_PING_KEYS = {"ldap_url": "ldap_url", "ldap_search_dn": "ldap_search_dn", "ldap_base_dn": "ldap_base_dn",
                  "ldap_filter": "ldap_filter", "ldap_uid": "ldap_uid", "ldap_scope": "ldap_scope",
                  "ldap_timeout": "ldap_connection_timeout", "ldap_verify_cert": "ldap_verify_cert"}

_STR = dict(type="str")
_BOOL = dict(type="bool")
_SCOPE = dict(type="str", choices=list(SCOPES))


def _split(text):
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _json_value(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _banner_value(text):
    """A banner JSON string as comparable values (keys with empty values dropped)."""
    value = _json_value(text)
    if not isinstance(value, dict):
        return value
    return dict((k, v) for k, v in value.items() if v not in (None, ""))


class Configuration(HarborResource):
    result_key = "configuration"
    secret_keys = ("ldap_search_password", "oidc_client_secret", "uaa_client_secret")
    module_args = dict(
        auth_mode=dict(type="str", choices=list(AUTH_MODES)),
        primary_auth_mode=_BOOL,
        update_secrets=dict(type="str", choices=["on_change", "always", "never"], default="on_change"),
        ldap=dict(type="dict", options=dict(
            url=_STR, search_dn=_STR, search_password=dict(type="str", no_log=True), base_dn=_STR, filter=_STR,
            uid=_STR, scope=_SCOPE, timeout=dict(type="int"), verify_cert=_BOOL, group_base_dn=_STR,
            group_filter=_STR, group_attribute_name=_STR, group_admin_dn=_STR, group_scope=_SCOPE,
            group_membership_attribute=_STR, group_attach_parallel=_BOOL, ping=dict(type="bool", default=False),
        )),
        oidc=dict(type="dict", options=dict(
            name=_STR, endpoint=_STR, client_id=_STR, client_secret=dict(type="str", no_log=True),
            scope=dict(type="list", elements="str"), groups_claim=_STR, admin_group=_STR, group_filter=_STR,
            verify_cert=_BOOL, auto_onboard=_BOOL, user_claim=_STR, extra_redirect_params=dict(type="dict"),
            logout=_BOOL, ping=dict(type="bool", default=False),
        )),
        uaa=dict(type="dict", options=dict(
            endpoint=_STR, client_id=_STR, client_secret=dict(type="str", no_log=True), verify_cert=_BOOL,
        )),
        http_authproxy=dict(type="dict", options=dict(
            endpoint=_STR, tokenreview_endpoint=dict(type="str", no_log=False),
            admin_groups=dict(type="list", elements="str"), admin_usernames=dict(type="list", elements="str"),
            verify_cert=_BOOL, skip_search=_BOOL, server_certificate=_STR,
        )),
        project_creation_restriction=dict(type="str", choices=["adminonly", "everyone"]),
        read_only=_BOOL,
        robot_name_prefix=_STR,
        robot_token_duration=dict(type="int", no_log=False),
        self_registration=_BOOL,
        storage_per_project=_STR,
        quota_per_project_enable=_BOOL,
        token_expiration=dict(type="int", no_log=False),
        session_timeout=dict(type="int"),
        notification_enable=_BOOL,
        scanner_skip_update_pulltime=_BOOL,
        audit_log_forward_endpoint=_STR,
        skip_audit_log_database=_BOOL,
        disabled_audit_log_event_types=dict(type="list", elements="str", choices=AUDIT_EVENT_TYPES),
        banner_message=dict(type="dict", options=dict(
            text=dict(type="str", required=True),
            type=dict(type="str", choices=["success", "info", "warning", "danger"], default="warning"),
            closable=dict(type="bool", default=False),
            from_date=_STR,
            to_date=_STR,
        )),
    )
    option_min_versions = {"ldap.group_attach_parallel": (2, 11), "oidc.logout": (2, 13),
                           "disabled_audit_log_event_types": (2, 13)}

    # ------------------------------------------------------------ options -> Harbor keys, without a request

    def validate(self):
        self.wanted = {}       # Harbor key -> desired value, secrets excluded
        self.secrets = {}      # write-only secrets the user gave
        self.compare = {}      # Harbor key -> how the current value is compared ("csv", "json", "banner")
        params = self.params
        if params["auth_mode"] is not None:
            self.wanted["auth_mode"] = AUTH_MODES[params["auth_mode"]]
        for key in SYSTEM_KEYS:
            if params[key] is not None:
                self.wanted[key] = params[key]
        for key in POSITIVE_INTS:
            if params[key] is not None and params[key] <= 0:
                return "%s must be greater than 0, got %d" % (key, params[key])
        problem = check_int_range(params["robot_token_duration"], "robot_token_duration (days)", 1, MAX_DURATION)
        for key in ("token_expiration", "session_timeout"):
            problem = problem or check_int_range(params[key], "%s (minutes)" % key, 1, INT32_MAX)
        if problem:
            return problem
        if params["robot_name_prefix"] is not None and not params["robot_name_prefix"].strip():
            return "robot_name_prefix must not be empty: robots would be named like users (Harbor's default is robot$)"
        endpoint = params["audit_log_forward_endpoint"]
        if endpoint and not SYSLOG_ENDPOINT_RE.match(endpoint):
            return ("audit_log_forward_endpoint %s must be the syslog endpoint as host:port (for example "
                    "syslog.example.com:514), without a scheme" % shown(endpoint))
        if params["storage_per_project"] is not None:
            self.wanted["storage_per_project"], problem = parse_storage(params["storage_per_project"],
                                                                        "storage_per_project")
            if problem:
                return problem
        if params["disabled_audit_log_event_types"] is not None:
            self.wanted["disabled_audit_log_event_types"] = ",".join(
                sorted(set(params["disabled_audit_log_event_types"])))
            self.compare["disabled_audit_log_event_types"] = "csv"
        if params["banner_message"] is not None:
            problem = self._banner(params["banner_message"])
            if problem:
                return problem
        for block, keys in BLOCKS.items():
            problem = self._block(block, keys, params[block])
            if problem:
                return problem
        return None

    def _banner(self, banner):
        if banner["text"] == "":
            self.wanted["banner_message"] = ""
            return None
        value = dict(message=banner["text"], type=banner["type"], closable=banner["closable"])
        for option, key in (("from_date", "fromDate"), ("to_date", "toDate")):
            if banner[option] is not None:
                if not ISO_DATE_RE.match(banner[option]):
                    return ("banner_message.%s %r is not an ISO 8601 date or date and time "
                            "(for example 2026-09-01 or 2026-09-01T06:00:00Z)" % (option, banner[option]))
                value[key] = banner[option]
        self.wanted["banner_message"] = json.dumps(value, sort_keys=True, separators=(",", ":"))
        self.compare["banner_message"] = "banner"
        return None

    def _block(self, block, keys, options):
        if options is None:
            return None
        for option, key, conversion in keys:
            value = options.get(option)
            if value is None:
                continue
            if key in WRITE_ONLY_SECRETS:
                self.secrets[key] = value
                continue
            if conversion == "scope":
                value = SCOPES[value]
            elif conversion == "csv":
                value = ",".join(item.strip() for item in value if item.strip())
                self.compare[key] = "csv"
            elif conversion == "json":
                problem = self._check_map("%s.%s" % (block, option), value)
                if problem:
                    return problem
                value = json.dumps(dict((k, str(v)) for k, v in value.items()), sort_keys=True,
                                   separators=(",", ":"))
                self.compare[key] = "json"
            self.wanted[key] = value
        if block == "ldap":
            return self._check_ldap(options)
        if block == "oidc":
            return self._check_oidc(options)
        for option in ("endpoint", "tokenreview_endpoint"):  # uaa, http_authproxy: URLs as well
            if options.get(option) is not None:
                dummy, problem = split_url(options[option], "%s.%s" % (block, option),
                                           example="https://%s.example.com" % block.replace("_", "-"))
                if problem:
                    return problem
        return None

    @staticmethod
    def _check_map(option, value):
        for name, item in value.items():
            if isinstance(item, (dict, list)) or item is None:
                return "%s: the value of %r must be a string, not %r" % (option, name, item)
        return None

    @staticmethod
    def _check_ldap(options):
        url = options.get("url")
        if url is not None:
            dummy, problem = split_url(url, "ldap.url", schemes=("ldap", "ldaps"),
                                       example="ldap://HOST[:389] or ldaps://HOST[:636] (ldaps://ldap.example.com:636)")
            if problem:
                return problem
        if options.get("timeout") is not None and options["timeout"] <= 0:
            return "ldap.timeout must be greater than 0, got %d" % options["timeout"]
        return None

    @staticmethod
    def _check_oidc(options):
        endpoint = options.get("endpoint")
        if endpoint is not None:
            dummy, problem = split_url(endpoint, "oidc.endpoint (the provider's issuer URL)",
                                       example="https://auth.example.com/realms/company")
            if problem:
                return problem
        if options.get("scope") is not None and not any(item.strip() for item in options["scope"]):
            return "oidc.scope must not be empty; Harbor needs at least openid"
        return None

    # ------------------------------------------------------------ the engine's hooks

    def find(self):
        body = self.client.get("/configurations") or {}
        self.editable = {}
        current = {}
        for key, item in body.items():
            if isinstance(item, dict) and "value" in item:
                current[key] = item["value"]
                self.editable[key] = item.get("editable", True)
            else:
                current[key] = item
        # Compare values, not their text: a list in another order or JSON with other spacing is the same.
        for key, how in self.compare.items():
            have, want = current.get(key), self.wanted[key]
            if how == "csv" and isinstance(have, str) and sorted(_split(have)) == sorted(_split(want)):
                current[key] = want
            elif how == "json" and _json_value(have) == _json_value(want):
                current[key] = want
            elif how == "banner" and _banner_value(have) == _banner_value(want):
                current[key] = want
        self.current = current
        return current

    def desired(self):
        desired = dict(self.wanted)
        changes = differences(desired, self.current)
        self.check_editable(changes)
        mode = self.params["update_secrets"]
        for key, value in self.secrets.items():
            prefix = WRITE_ONLY_SECRETS[key]
            block_changes = any(k.startswith(prefix) for k in changes) or "auth_mode" in changes
            if mode == "always" or (mode == "on_change" and block_changes):
                desired[key] = value
        return desired

    def check_editable(self, changes):
        if "auth_mode" in changes and not self.editable.get("auth_mode", True):
            self.fail("auth_mode cannot be changed from %s to %s: Harbor allows it only while its database holds "
                      "no user besides admin, and users have been created or have logged in already. Nothing was "
                      "changed." % (self.current.get("auth_mode"), changes["auth_mode"]))
        locked = sorted(key for key in changes if not self.editable.get(key, True))
        if locked:
            self.fail("Harbor marks these settings read-only (they are set in its environment, for example "
                      "CONFIG_OVERWRITE_JSON): %s. Nothing was changed." % ", ".join(locked))

    def update(self, current, changes):
        settings = merge(current, changes)
        ldap, oidc = self.params["ldap"] or {}, self.params["oidc"] or {}
        if ldap.get("ping") and any(key.startswith("ldap_") for key in changes):
            self.ping_ldap(settings)
        if oidc.get("ping") and any(key.startswith("oidc_") for key in changes):
            self.ping_oidc(settings)
        self.client.put("/configurations", changes)
        return self.find()

    def ping_ldap(self, settings):
        body = dict((ping_key, settings[key]) for key, ping_key in LDAP_PING_KEYS.items()
                    if settings.get(key) not in (None, ""))
        if "ldap_search_password" in self.secrets:
            body["ldap_search_password"] = self.secrets["ldap_search_password"]
        result = self.client.post("/ldap/ping", body).body or {}
        if not result.get("success"):
            self.fail("LDAP ping of %s failed, so the LDAP settings were not applied: %s"
                      % (settings.get("ldap_url"), result.get("message") or "no details from Harbor"))

    def ping_oidc(self, settings):
        body = dict(url=settings.get("oidc_endpoint") or "", verify_cert=bool(settings.get("oidc_verify_cert")))
        try:
            self.client.post("/system/oidc/ping", body)
        except HarborError as exc:
            if exc.status != 400:
                raise
            self.fail("OIDC ping of %s failed, so the OIDC settings were not applied: %s" % (body["url"], exc.message))
