"""``/configurations``: a catalogue-driven configuration store (api-notes §12).

* ``GET`` (sysadmin) wraps every key as ``{"value": ..., "editable": bool}``;
  password items are never returned; ``scan_all_policy`` is added.
* ``PUT`` (sysadmin) takes a flat subset of keys; values are checked per
  item; ``auth_mode`` can only change while no user besides admin exists;
  the secrets it carries are remembered (``state.remember_secret``).
* Hosts under the reserved ``.invalid`` TLD are unreachable (``unreachable``):
  an ``audit_log_forward_endpoint`` there is refused like Harbor refuses an
  endpoint it cannot reach; the LDAP and OIDC pings use the same rule.

To support a new key, add a ``ConfigItem`` to ``CATALOGUE`` (type, default,
first version, optional validator).  Other resources read values with
``get_config(state, key)``.
"""

import json

from ..framework import auth
from ..framework.errors import bad_request, unprocessable
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()

AUTH_MODES = ("db_auth", "ldap_auth", "uaa_auth", "http_auth", "oidc_auth")
# Secrets the PUT may carry; the harness checks that none of them reaches the ansible output.
SECRET_KEYS = ("ldap_search_password", "oidc_client_secret", "uaa_client_secret")
MAX_STORAGE = 1024 ** 5  # 1024 TB


def _one_of(*values):
    def check(key, value):
        if value not in values:
            raise bad_request("invalid value of %s: %s, should be one of %s" % (key, value, ", ".join(values)))
    return check


def _positive(key, value):
    if value <= 0:
        raise bad_request("invalid value of %s: %d, should be greater than 0" % (key, value))


def _storage(key, value):
    if value != -1 and not 0 < value <= MAX_STORAGE:
        raise bad_request("invalid value of %s: %d, should be -1 or between 1 and %d" % (key, value, MAX_STORAGE))


def _scope(key, value):
    if value not in (0, 1, 2):
        raise bad_request("invalid value of %s: %d, should be 0, 1 or 2" % (key, value))


def _string_map(key, value):
    """``oidc_extra_redirect_parms``: a string holding a JSON map of strings (api-notes §12)."""
    try:
        parsed = json.loads(value) if value else {}
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise bad_request("invalid value of %s: %s, should be a JSON map of strings" % (key, value))


def unreachable(host):
    """The fake's network: hosts under the reserved ``.invalid`` TLD (RFC 2606) never answer."""
    return (host or "").lower().rstrip(".").endswith(".invalid")


def _audit_endpoint(key, value):
    """Harbor checks that the syslog endpoint is reachable when it is set (api-notes §10)."""
    if value and unreachable(value.rsplit(":", 1)[0]):
        raise bad_request("invalid value of %s: %s, failed to connect to the audit log endpoint" % (key, value))


class ConfigItem:
    """One configuration key.  ``kind``: string | bool | int | password."""

    def __init__(self, name, kind, default, since=None, validator=None):
        self.name = name
        self.kind = kind
        self.default = default
        self.since = since
        self.validator = validator

    def check_type(self, value):
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str)


_ITEMS = [
    # basic
    ("auth_mode", "string", "db_auth", None, _one_of(*AUTH_MODES)),
    ("primary_auth_mode", "bool", False, None, None),
    ("project_creation_restriction", "string", "everyone", None, _one_of("adminonly", "everyone")),
    ("read_only", "bool", False, None, None),
    ("self_registration", "bool", False, None, None),
    ("token_expiration", "int", 30, None, _positive),
    ("robot_token_duration", "int", 30, None, _positive),
    ("robot_name_prefix", "string", "robot$", None, None),
    ("notification_enable", "bool", True, None, None),
    ("quota_per_project_enable", "bool", True, None, None),
    ("storage_per_project", "int", -1, None, _storage),
    ("session_timeout", "int", 60, None, _positive),
    ("scanner_skip_update_pulltime", "bool", False, None, None),
    ("banner_message", "string", "", None, None),
    ("audit_log_forward_endpoint", "string", "", None, _audit_endpoint),
    ("skip_audit_log_database", "bool", False, None, None),
    ("disabled_audit_log_event_types", "string", "", (2, 13), None),
    # LDAP
    ("ldap_url", "string", "", None, None),
    ("ldap_search_dn", "string", "", None, None),
    ("ldap_search_password", "password", "", None, None),
    ("ldap_base_dn", "string", "", None, None),
    ("ldap_filter", "string", "", None, None),
    ("ldap_uid", "string", "cn", None, None),
    ("ldap_scope", "int", 2, None, _scope),
    ("ldap_timeout", "int", 5, None, None),
    ("ldap_verify_cert", "bool", True, None, None),
    ("ldap_group_base_dn", "string", "", None, None),
    ("ldap_group_search_filter", "string", "", None, None),
    ("ldap_group_attribute_name", "string", "", None, None),
    ("ldap_group_admin_dn", "string", "", None, None),
    ("ldap_group_search_scope", "int", 2, None, _scope),
    ("ldap_group_membership_attribute", "string", "memberof", None, None),
    ("ldap_group_attach_parallel", "bool", False, (2, 11), None),
    # OIDC
    ("oidc_name", "string", "", None, None),
    ("oidc_endpoint", "string", "", None, None),
    ("oidc_client_id", "string", "", None, None),
    ("oidc_client_secret", "password", "", None, None),
    ("oidc_groups_claim", "string", "", None, None),
    ("oidc_admin_group", "string", "", None, None),
    ("oidc_group_filter", "string", "", None, None),
    ("oidc_scope", "string", "", None, None),
    ("oidc_user_claim", "string", "", None, None),
    ("oidc_verify_cert", "bool", True, None, None),
    ("oidc_auto_onboard", "bool", False, None, None),
    ("oidc_extra_redirect_parms", "string", "{}", None, _string_map),
    ("oidc_logout", "bool", False, (2, 13), None),
    # UAA
    ("uaa_endpoint", "string", "", None, None),
    ("uaa_client_id", "string", "", None, None),
    ("uaa_client_secret", "string", "", None, None),
    ("uaa_verify_cert", "bool", False, None, None),
    # HTTP auth proxy
    ("http_authproxy_endpoint", "string", "", None, None),
    ("http_authproxy_tokenreview_endpoint", "string", "", None, None),
    ("http_authproxy_admin_groups", "string", "", None, None),
    ("http_authproxy_admin_usernames", "string", "", None, None),
    ("http_authproxy_verify_cert", "bool", True, None, None),
    ("http_authproxy_skip_search", "bool", False, None, None),
    ("http_authproxy_server_certificate", "string", "", None, None),
]
CATALOGUE = {name: ConfigItem(name, kind, default, since, check) for name, kind, default, since, check in _ITEMS}


def catalogue_for(version):
    return {name: item for name, item in CATALOGUE.items() if version.between(item.since, None)}


def init_state(state):
    state.config = {name: item.default for name, item in catalogue_for(state.version).items()}
    for key, value in state.options.config.items():
        if key not in CATALOGUE:
            raise ValueError("unknown configuration key %r" % key)
        state.config[key] = value
        if key in SECRET_KEYS:
            state.remember_secret(value)


def get_config(state, key):
    return state.config.get(key, CATALOGUE[key].default if key in CATALOGUE else None)


def auth_mode_editable(state):
    """``auth_mode`` may change only while the DB holds no user besides admin."""
    return not any(uid != 1 for uid in getattr(state, "users", {}))


@ROUTES.get("/configurations")
def get_configurations(ctx):
    auth.require(ctx, None, "configuration", "read")  # no robot may hold it (errata E7): an administrator
    body = {}
    for name, item in catalogue_for(ctx.version).items():
        if item.kind == "password":
            continue
        editable = auth_mode_editable(ctx.state) if name == "auth_mode" else True
        body[name] = {"value": ctx.state.config[name], "editable": editable}
    body["scan_all_policy"] = {"type": "none"}
    return Response.json(body)


@ROUTES.put("/configurations")
def update_configurations(ctx):
    auth.require(ctx, None, "configuration", "update")
    updates = ctx.json_object()
    known = catalogue_for(ctx.version)
    changes = {}
    for key, value in updates.items():
        item = known.get(key)
        if item is None or value is None:
            continue  # not a field of the Configurations model: dropped by Harbor
        if not item.check_type(value):
            raise unprocessable("%s in body must be of type %s" % (key, item.kind))
        if item.validator is not None:
            item.validator(key, value)
        changes[key] = value
    mode = changes.get("auth_mode")
    if mode is not None and mode != ctx.state.config["auth_mode"] and not auth_mode_editable(ctx.state):
        raise bad_request("the auth mode cannot be modified as new users have been inserted into database")
    for key in SECRET_KEYS:
        ctx.state.remember_secret(changes.get(key))
    ctx.state.config.update(changes)
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "update", "configuration", "configuration", 0, updates)
    return Response.ok()
