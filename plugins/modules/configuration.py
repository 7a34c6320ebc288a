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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.configuration import Configuration


def main():
    Configuration.run_module()


if __name__ == "__main__":
    main()
