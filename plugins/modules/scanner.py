#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: scanner
short_description: Manage Harbor's vulnerability scanner registrations
version_added: 0.1.0
description:
  - Register an external scanner adapter (for example a second Trivy, or another vendor's adapter) in Harbor,
    update or remove it, make it the system default scanner, and use it for some projects.
  - Harbor installed with Trivy registers a scanner named C(Trivy) as the default at start-up.
  - Harbor pings the adapter (C(<adapter_url>/api/v1/metadata)) when a scanner is registered, and refuses the
    registration (HTTP 500) when it cannot reach it; the module then fails with a message naming the URL.
  - The credential is sent when the registration is created, and afterwards with O(update_credential=always).
    Harbor 2.14.4, 2.15.1 and later do not show it back and keep it when an update has none. Harbor 2.10.0 to
    2.14.3 and 2.15.0 show it in every read and refuse an update without it, so on those versions the module
    sends the stored credential back with every update.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description: Name of the registration (unique in Harbor).
    type: str
    required: true
  state:
    description: V(present) registers or updates the scanner, V(absent) removes the registration.
    type: str
    choices: [present, absent]
    default: present
  adapter_url:
    description:
      - Base URL of the scanner adapter, for example V(http://harbor-scanner-trivy:8080). Required to register.
      - (O(url) is Harbor's URL, as in every module of the collection.)
    type: str
  description:
    description: Description of the registration.
    type: str
  auth:
    description:
      - How Harbor authenticates to the adapter. V(basic) and V(bearer) send the credential in an
        C(Authorization) header, V(api-key) in the header C(X-ScannerAdapter-API-Key).
      - Every type except V(none) needs O(access_credential) when the registration is created.
    type: str
    choices: [none, basic, bearer, api-key]
  access_credential:
    description:
      - The credential Harbor sends with O(auth). Write-only, see O(update_credential).
    type: str
  update_credential:
    description:
      - V(on_create) sends O(access_credential) only when the registration is created (and when O(auth)
        changes); Harbor keeps the stored credential on later updates.
      - V(always) makes O(access_credential) the credential on every run. Harbor 2.14.4, 2.15.1 and later do not
        show the stored one, so every run then reports a change; older versions show it, so it is compared.
    type: str
    choices: [always, on_create]
    default: on_create
  skip_cert_verify:
    description: Do not verify the TLS certificate of the adapter.
    type: bool
  use_internal_addr:
    description: Let the scanner pull the artifacts through Harbor's internal registry address.
    type: bool
  disabled:
    description: Disable the registration.
    type: bool
  default:
    description:
      - Make this the system default scanner (used for every project without its own scanner, and for scan-all).
      - Harbor has no "not default" switch; V(false) fails for the current default. Make another scanner the
        default instead.
    type: bool
  projects:
    description:
      - Projects that scan with this scanner (Harbor's per-project scanner). Projects not listed are left as
        they are.
    type: list
    elements: str
notes:
  - >-
    As a system robot this module needs the system permissions C(scanner: list, create, update, delete); O(projects)
    also needs C(scanner: read, create) on those projects.
seealso:
  - module: harbor_ops.harbor.scan
  - module: harbor_ops.harbor.scan_all
"""

EXAMPLES = r"""
- name: Register a scanner adapter with an API key and make it the default
  harbor_ops.harbor.scanner:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: corp-scanner
    adapter_url: https://scanner-adapter.example.com
    auth: api-key
    access_credential: "{{ vault_scanner_api_key }}"
    description: Central scanner of the security team
    default: true

- name: Let only the production project scan with it
  harbor_ops.harbor.scanner:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: corp-scanner
    projects: [production]

- name: Go back to Harbor's own Trivy as default
  harbor_ops.harbor.scanner:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: Trivy
    default: true

- name: Remove the registration
  harbor_ops.harbor.scanner:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: corp-scanner
    state: absent
"""

RETURN = r"""
scanner:
  description: The registration after the change (the predicted one in check mode); empty after removal.
  returned: always
  type: dict
  contains:
    uuid:
      description: Id of the registration.
      type: str
    name:
      description: Name of the registration.
      type: str
      sample: corp-scanner
    url:
      description: Base URL of the adapter.
      type: str
    auth:
      description: Harbor's auth type (C(""), C(Basic), C(Bearer) or C(X-ScannerAdapter-API-Key)).
      type: str
    access_credential:
      description:
        - The stored credential, masked. Harbor 2.10.0 to 2.14.3 and 2.15.0 return it; later versions return an
          empty string.
      type: str
    is_default:
      description: Whether it is the system default scanner.
      type: bool
    disabled:
      description: Whether it is disabled.
      type: bool
    skip_certVerify:
      description: Whether the adapter's certificate is not verified.
      type: bool
    use_internal_addr:
      description: Whether the scanner pulls through Harbor's internal address.
      type: bool
    projects:
      description: The projects of O(projects) that use this scanner.
      type: list
      elements: str
      returned: when O(projects) is set
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.scanner import Scanner


def main():
    Scanner.run_module()


if __name__ == "__main__":
    main()
