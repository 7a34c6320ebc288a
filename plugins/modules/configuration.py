#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: configuration
short_description: Manage Harbor's system configuration and authentication
version_added: 0.1.0
description:
  - Set Harbor's system settings (project creation, read-only mode, robot and token lifetimes, quotas,
    audit log forwarding, the UI banner) and its authentication (database, LDAP, OIDC, UAA or an HTTP auth
    proxy) through C(PUT /configurations).
  - Only the settings you give are compared and changed; one request carries exactly the changed keys.
  - The authentication settings are grouped per provider (O(ldap), O(oidc), O(uaa), O(http_authproxy)), so that
    one block holds everything about one directory, in the words of Harbor's UI, without Harbor's key prefixes.
    The system settings keep Harbor's own key names, which are also those of Harbor's documentation.
  - Harbor never returns the LDAP search password or the OIDC client secret, so they cannot be compared; see
    O(update_secrets) for when they are sent.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  auth_mode:
    description:
      - How users log in. V(db) local database users, V(ldap) an LDAP directory, V(oidc) an OIDC provider,
        V(uaa) Cloud Foundry UAA, V(http) an HTTP authentication proxy.
      - Harbor refuses to change it once users other than C(admin) exist in its database (they were created or
        logged in once); the module then fails before sending anything, and says so.
    type: str
    choices: [db, ldap, oidc, uaa, http]
  primary_auth_mode:
    description: Make O(auth_mode) the primary login method of the UI (the local login becomes secondary).
    type: bool
  update_secrets:
    description:
      - When the write-only secrets O(ldap.search_password) and O(oidc.client_secret) are sent. Harbor never
        returns them, so the module cannot know whether they changed.
      - V(on_change) (the default) sends a secret together with any other change of its block (O(ldap) or
        O(oidc)) and with a change of O(auth_mode). A re-run with the same settings sends nothing and reports
        no change, and a new directory or provider receives its secret with its first configuration.
      - V(always) sends the secrets on every run; the task then always reports a change. Use it once to
        rotate a secret without changing anything else.
      - V(never) never writes them (they are still used by O(ldap.ping)).
      - O(uaa.client_secret) is not concerned; Harbor returns it, so it is compared like any other value.
    type: str
    choices: [on_change, always, never]
    default: on_change
  ldap:
    description:
      - LDAP authentication (Harbor's C(ldap_*) settings). Used when O(auth_mode=ldap).
    type: dict
    suboptions:
      url:
        description: URL of the directory, with its scheme, for example V(ldaps://ldap.example.com:636).
        type: str
      search_dn:
        description: DN of the user that searches the directory.
        type: str
      search_password:
        description:
          - Password of O(ldap.search_dn). Write-only in Harbor; see O(update_secrets).
        type: str
      base_dn:
        description: Where the user search starts, for example V(ou=people,dc=example,dc=com).
        type: str
      filter:
        description: Extra LDAP filter for the user search, for example V((objectClass=person)).
        type: str
      uid:
        description: Attribute that holds the user name, for example V(uid), V(cn) or V(sAMAccountName).
        type: str
      scope:
        description: Depth of the user search.
        type: str
        choices: [base, onelevel, subtree]
      timeout:
        description: Connection timeout in seconds.
        type: int
      verify_cert:
        description: Verify the directory's TLS certificate.
        type: bool
      group_base_dn:
        description: Where the group search starts.
        type: str
      group_filter:
        description: LDAP filter for the group search, for example V((objectClass=groupOfNames)).
        type: str
      group_attribute_name:
        description: Attribute that holds the group name, for example V(cn).
        type: str
      group_admin_dn:
        description: DN of the group whose members are Harbor system administrators.
        type: str
      group_scope:
        description: Depth of the group search.
        type: str
        choices: [base, onelevel, subtree]
      group_membership_attribute:
        description: User attribute that lists the user's groups, for example V(memberof).
        type: str
      group_attach_parallel:
        description: Attach LDAP groups to users in parallel at login. Needs Harbor 2.11 or later.
        type: bool
      ping:
        description:
          - Test the settings with C(POST /ldap/ping) before they are applied, and fail without changing
            anything when the directory cannot be reached or the search user cannot bind.
          - Runs only when the module is about to change LDAP settings, and never in check mode (so an unchanged
            re-run sends no request but the read).
        type: bool
        default: false
  oidc:
    description:
      - OIDC authentication (Harbor's C(oidc_*) settings). Used when O(auth_mode=oidc).
    type: dict
    suboptions:
      name:
        description: Provider name shown on Harbor's login button, for example V(Company SSO).
        type: str
      endpoint:
        description: Issuer URL of the provider, for example V(https://auth.example.com/realms/company).
        type: str
      client_id:
        description: Client id of Harbor at the provider.
        type: str
      client_secret:
        description: Client secret of Harbor at the provider. Write-only in Harbor; see O(update_secrets).
        type: str
      scope:
        description:
          - Scopes Harbor asks for, for example V([openid, email, profile, groups]). The order does not matter.
        type: list
        elements: str
      groups_claim:
        description: Claim that lists the user's groups, for example V(groups).
        type: str
      admin_group:
        description: Members of this group are Harbor system administrators.
        type: str
      group_filter:
        description: Regular expression; only matching groups are onboarded.
        type: str
      verify_cert:
        description: Verify the provider's TLS certificate.
        type: bool
      auto_onboard:
        description: Create users at their first login without asking them for a user name.
        type: bool
      user_claim:
        description: Claim used as the Harbor user name, for example V(preferred_username).
        type: str
      extra_redirect_params:
        description:
          - Extra parameters of the authorization redirect, as a dict of strings (for example C(access_type) set to
            V(offline)). Harbor stores them as a JSON string; the module compares the values, not the text.
        type: dict
      logout:
        description: Log the user out of the provider when they log out of Harbor. Needs Harbor 2.13 or later.
        type: bool
      ping:
        description:
          - Test O(oidc.endpoint) with C(POST /system/oidc/ping) before the settings are applied, and fail
            without changing anything when Harbor cannot reach it.
          - Runs only when the module is about to change OIDC settings, and never in check mode.
        type: bool
        default: false
  uaa:
    description: Cloud Foundry UAA authentication (Harbor's C(uaa_*) settings). Used when O(auth_mode=uaa).
    type: dict
    suboptions:
      endpoint:
        description: URL of the UAA server.
        type: str
      client_id:
        description: Client id of Harbor at UAA.
        type: str
      client_secret:
        description:
          - Client secret of Harbor at UAA. Harbor returns this one, so it is compared like any other value
            (and masked in the results).
        type: str
      verify_cert:
        description: Verify UAA's TLS certificate.
        type: bool
  http_authproxy:
    description: HTTP authentication proxy (Harbor's C(http_authproxy_*) settings). Used when O(auth_mode=http).
    type: dict
    suboptions:
      endpoint:
        description: URL that authenticates users.
        type: str
      tokenreview_endpoint:
        description: URL that reviews tokens.
        type: str
      admin_groups:
        description: Groups whose members are Harbor system administrators. The order does not matter.
        type: list
        elements: str
      admin_usernames:
        description: Users who are Harbor system administrators. The order does not matter.
        type: list
        elements: str
      verify_cert:
        description: Verify the proxy's TLS certificate.
        type: bool
      skip_search:
        description: Do not search users at the proxy when they are added to projects.
        type: bool
      server_certificate:
        description: PEM certificate of the proxy, when it is not signed by a trusted CA.
        type: str
  project_creation_restriction:
    description: Who may create projects.
    type: str
    choices: [adminonly, everyone]
  read_only:
    description:
      - Read-only mode - pushes and deletions are refused, pulls work. Set it during maintenance.
    type: bool
  robot_name_prefix:
    description: Prefix of robot account names, V(robot$) by default.
    type: str
  robot_token_duration:
    description: Default lifetime of robot accounts, in days.
    type: int
  self_registration:
    description: Let users register themselves (database authentication only).
    type: bool
  storage_per_project:
    description:
      - Default storage quota of new projects, as a size with unit (V(500MB), V(10GB), V(2TB); 1 GB = 1024 MB)
        or a number of bytes, or V(-1) (or V(unlimited)) for no limit.
    type: str
  quota_per_project_enable:
    description: Apply storage quotas per project.
    type: bool
  token_expiration:
    description: Lifetime of the registry tokens Harbor issues, in minutes.
    type: int
  session_timeout:
    description: Idle timeout of UI sessions, in minutes.
    type: int
  notification_enable:
    description: Send webhook notifications.
    type: bool
  scanner_skip_update_pulltime:
    description: Do not update an artifact's pull time when a scanner pulls it.
    type: bool
  audit_log_forward_endpoint:
    description:
      - Syslog endpoint that audit logs are forwarded to, as V(host:port); an empty string stops forwarding.
        Harbor checks that it is reachable when it is set.
    type: str
  skip_audit_log_database:
    description: Only forward audit logs, do not store them in Harbor's database (needs O(audit_log_forward_endpoint)).
    type: bool
  disabled_audit_log_event_types:
    description:
      - Audit log event types that are not recorded, for example V([pull_artifact]). The order does not matter;
        an empty list records every type. Needs Harbor 2.13 or later.
    type: list
    elements: str
    choices: [create_artifact, delete_artifact, pull_artifact, create_project, delete_project, delete_repository,
              login_user, logout_user, create_user, delete_user, update_user, create_robot, delete_robot,
              update_configuration]
  banner_message:
    description:
      - Banner shown at the top of Harbor's UI, for example during maintenance. Harbor stores it as a JSON string;
        the module compares the values, not the text.
      - Harbor's UI shows the banner only between O(banner_message.from_date) and O(banner_message.to_date), so set
        at least one of them.
    type: dict
    suboptions:
      text:
        description:
          - Text of the banner (Harbor's C(message)). An empty string removes the banner.
        type: str
        required: true
      type:
        description: Colour and icon of the banner.
        type: str
        choices: [success, info, warning, danger]
        default: warning
      closable:
        description: Users may close the banner.
        type: bool
        default: false
      from_date:
        description: When the banner appears, as an ISO 8601 date or date and time, for example V(2026-09-01T06:00:00Z).
        type: str
      to_date:
        description: When the banner disappears, as an ISO 8601 date or date and time.
        type: str
notes:
  - >-
    As a system robot this module cannot work: it needs a Harbor administrator (Harbor lets no robot hold
    C(configuration: read, update)).
  - A user account must be a Harbor system administrator.
  - If Harbor was started with C(CONFIG_OVERWRITE_JSON), or a setting is otherwise marked read-only, Harbor refuses
    changes; the module reports the read-only settings before sending anything.
seealso:
  - module: harbor_ops.harbor.user
  - module: harbor_ops.harbor.user_group
  - name: Harbor configuration API
    description: C(GET) and C(PUT /configurations) in Harbor's API reference.
    link: https://goharbor.io/docs/latest/administration/configure-authentication/
"""

EXAMPLES = r"""
- name: Harbor authentication and system settings as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Log in through Keycloak (the guide's OIDC settings), tested before they are applied
      harbor_ops.harbor.configuration:
        auth_mode: oidc
        oidc:
          name: Company SSO
          endpoint: https://auth.example.com/realms/company
          client_id: harbor
          client_secret: "{{ vault_keycloak_harbor_secret }}"
          scope: [openid, email, profile, groups]
          groups_claim: groups
          admin_group: harbor-admins
          verify_cert: true
          auto_onboard: true
          user_claim: preferred_username
          ping: true

    - name: Rotate the OIDC client secret (nothing else changes, so ask for it)
      harbor_ops.harbor.configuration:
        oidc:
          client_secret: "{{ vault_keycloak_harbor_secret_new }}"
        update_secrets: always

    - name: Log in against the corporate directory
      harbor_ops.harbor.configuration:
        auth_mode: ldap
        ldap:
          url: ldaps://ldap.corp.example.com:636
          search_dn: cn=harbor-svc,ou=services,dc=corp,dc=example,dc=com
          search_password: "{{ vault_ldap_search_password }}"
          base_dn: ou=people,dc=corp,dc=example,dc=com
          filter: (objectClass=person)
          uid: sAMAccountName
          scope: subtree
          verify_cert: true
          group_base_dn: ou=groups,dc=corp,dc=example,dc=com
          group_filter: (objectClass=group)
          group_attribute_name: cn
          group_admin_dn: cn=harbor-admins,ou=groups,dc=corp,dc=example,dc=com
          group_membership_attribute: memberof
          group_scope: subtree
          ping: true

    - name: Maintenance - read-only registry and a banner for the CI users
      harbor_ops.harbor.configuration:
        read_only: true
        banner_message:
          text: Maintenance until 08:00 UTC - pushes are refused, pulls work.
          type: warning
          closable: false
          from_date: "2026-09-01T06:00:00Z"
          to_date: "2026-09-01T08:00:00Z"

    - name: End of maintenance
      harbor_ops.harbor.configuration:
        read_only: false
        banner_message:
          text: ""

    - name: System settings
      harbor_ops.harbor.configuration:
        project_creation_restriction: adminonly
        robot_token_duration: 90
        storage_per_project: 100GB
        token_expiration: 30
        session_timeout: 60
"""

RETURN = r"""
configuration:
  description:
    - Harbor's configuration after the change (the predicted state in check mode), one value per key, with
      Harbor's key names (for example C(auth_mode), C(oidc_scope), C(ldap_scope)).
    - Harbor never returns C(ldap_search_password) and C(oidc_client_secret); C(uaa_client_secret) is masked.
  returned: always
  type: dict
  contains:
    auth_mode:
      description: Harbor's authentication mode.
      type: str
      sample: oidc_auth
    oidc_scope:
      description: Scopes as Harbor stores them, a comma-separated string.
      type: str
      sample: openid,email,profile,groups
    read_only:
      description: Whether the registry is read-only.
      type: bool
      sample: false
    banner_message:
      description: The banner as Harbor stores it, a JSON string (empty without a banner).
      type: str
      sample: '{"closable":false,"message":"Maintenance","type":"warning"}'
"""

import json
import re

from urllib.parse import urlsplit

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, differences, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import parse_storage

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
            parts = urlsplit(url.strip())
            if parts.scheme.lower() not in ("ldap", "ldaps") or not parts.hostname:
                return ("ldap.url %r needs its scheme and a host: ldap://HOST[:389] or ldaps://HOST[:636] "
                        "(for example ldaps://ldap.example.com:636)" % url)
        if options.get("timeout") is not None and options["timeout"] <= 0:
            return "ldap.timeout must be greater than 0, got %d" % options["timeout"]
        return None

    @staticmethod
    def _check_oidc(options):
        endpoint = options.get("endpoint")
        if endpoint is not None:
            parts = urlsplit(endpoint.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return ("oidc.endpoint %r must be the provider's issuer URL, for example "
                        "https://auth.example.com/realms/company" % endpoint)
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


def main():
    Configuration.run_module()


if __name__ == "__main__":
    main()
