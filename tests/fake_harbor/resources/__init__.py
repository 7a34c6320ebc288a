"""Resource modules of the fake, one per resource group.

Every module listed in ``MODULES`` provides:

* ``ROUTES``: a ``framework.routing.RouteTable`` with its handlers;
* optionally ``init_state(state)``: create its stores on a fresh State
  (called in list order on start and on every reset);
* optionally ``HOOKS``: ``{hook_name: fn}`` extension points it provides.

To add a resource: write ``resources/<name>.py`` following
``projects.py``, then append the module here (after the modules whose state
it uses).
"""

from . import (artifacts, configurations, cve_allowlists, gc, immutable, labels, ldap, members, oidc, project_metadata,
               projects, purge_audit, quotas, registries, replication, retention, robots, scan_all, scanners, scans,
               system, usergroups, users, webhooks)
from . import jobservice, schedules  # the job service monitor and /schedules (over executions.py)
from . import preheat  # P2P preheat instances and policies (over artifacts.py and executions.py)
from . import audit_logs, export_cve, search, security  # audit logs, CVE export, /search and /icons, security hub

MODULES = [
    configurations,
    system,
    users,
    quotas,
    projects,
    project_metadata,
    artifacts,
    registries,
    replication,
    robots,
    ldap,
    oidc,
    usergroups,
    members,
    labels,
    cve_allowlists,
    gc,
    purge_audit,
    scanners,
    scans,
    scan_all,
    retention,
    jobservice,
    schedules,
    immutable,
    webhooks,
    preheat,
    audit_logs,
    security,
    export_cve,
    search,
]
