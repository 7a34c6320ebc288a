"""The ``operation`` label of harbor-core's request metrics (``harbor_core_http_request_*``).

Harbor's metric middleware (src/server/middleware/metric) labels an API request with the go-swagger name of its
operation (the operationId with a capital first letter: ``listProjects`` -> ``ListProjects``, set before the
handler runs), a registry request with the route's fixed name (``v2_manifest``, ``v2_blob``, ``v2_blob_upload``,
``v2_tags``, ``v2_catalog``, ``v2_referrers``, else ``v2_others``), a chartmuseum URL with ``chartmuseum`` and
anything else (no operation matched: the token service, ``/c/`` logins, unknown API paths) with ``unknown``.

``TABLE`` holds every operation of Harbor's swagger files in shared/harbor (2.10.0, 2.15.2 and main; no operationId
differs between them): a path template, then its ``METHOD=operationId`` pairs. Regenerate it with
``python3 operations.py shared/harbor/swagger.yaml-*`` (tests/fake_harbor_tests/test_standin_metrics.py checks that
it matches those files).
"""

import sys

import yaml

sys.path.insert(0, "/opt/standin")

from tests.fake_harbor.framework.routing import (  # noqa: E402  pylint: disable=wrong-import-position
    Template, best_match)

API_BASE = "/api/v2.0"
UNKNOWN = "unknown"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# what Harbor's nginx sends to core (nginx.http.conf.jinja: location /api/, /c/, /v2/, /service/, /chartrepo/)
CORE_PREFIXES = ("/api/", "/c/", "/v2/", "/service/", "/chartrepo/")
CHARTMUSEUM_PREFIXES = ("/chartrepo/", "/api/chartrepo/")
# src/server/registry/route.go: the name of each /v2/<repository>/... route (uploads before blobs)
REGISTRY_ROUTES = (("/tags/list", "v2_tags"), ("/manifests/", "v2_manifest"), ("/blobs/uploads", "v2_blob_upload"),
                   ("/blobs/", "v2_blob"), ("/referrers/", "v2_referrers"))

TABLE = """
/audit-logs
    GET=listAuditLogs
/auditlog-exts
    GET=listAuditLogExts
/auditlog-exts/events
    GET=listAuditLogEventTypes
/configurations
    GET=getConfigurations PUT=updateConfigurations
/export/cve
    POST=exportScanData
/export/cve/download/{execution_id}
    GET=downloadScanData
/export/cve/execution/{execution_id}
    GET=getScanDataExportExecution
/export/cve/executions
    GET=getScanDataExportExecutionList
/health
    GET=getHealth
/icons/{digest}
    GET=getIcon
/internalconfig
    GET=getInternalconfig
/jobservice/jobs/{job_id}
    PUT=stopRunningJob
/jobservice/jobs/{job_id}/log
    GET=actionGetJobLog
/jobservice/pools
    GET=getWorkerPools
/jobservice/pools/{pool_id}/workers
    GET=getWorkers
/jobservice/queues
    GET=listJobQueues
/jobservice/queues/{job_type}
    PUT=actionPendingJobs
/labels
    GET=ListLabels POST=CreateLabel
/labels/{label_id}
    DELETE=DeleteLabel GET=GetLabelByID PUT=UpdateLabel
/ldap/groups/search
    GET=searchLdapGroup
/ldap/ping
    POST=pingLdap
/ldap/users/import
    POST=importLdapUser
/ldap/users/search
    GET=searchLdapUser
/p2p/preheat/instances
    GET=ListInstances POST=CreateInstance
/p2p/preheat/instances/ping
    POST=PingInstances
/p2p/preheat/instances/{preheat_instance_name}
    DELETE=DeleteInstance GET=GetInstance PUT=UpdateInstance
/p2p/preheat/providers
    GET=ListProviders
/permissions
    GET=getPermissions
/ping
    GET=getPing
/projects
    GET=listProjects HEAD=headProject POST=createProject
/projects/{project_name_or_id}
    DELETE=deleteProject GET=getProject PUT=updateProject
/projects/{project_name_or_id}/_deletable
    GET=getProjectDeletable
/projects/{project_name_or_id}/artifacts
    GET=listArtifactsOfProject
/projects/{project_name_or_id}/immutabletagrules
    GET=ListImmuRules POST=CreateImmuRule
/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}
    DELETE=DeleteImmuRule PUT=UpdateImmuRule
/projects/{project_name_or_id}/members
    GET=listProjectMembers POST=createProjectMember
/projects/{project_name_or_id}/members/{mid}
    DELETE=deleteProjectMember GET=getProjectMember PUT=updateProjectMember
/projects/{project_name_or_id}/metadatas/
    GET=listProjectMetadatas POST=addProjectMetadatas
/projects/{project_name_or_id}/metadatas/{meta_name}
    DELETE=deleteProjectMetadata GET=getProjectMetadata PUT=updateProjectMetadata
/projects/{project_name_or_id}/robots
    GET=ListRobotV1 POST=CreateRobotV1
/projects/{project_name_or_id}/robots/{robot_id}
    DELETE=DeleteRobotV1 GET=GetRobotByIDV1 PUT=UpdateRobotV1
/projects/{project_name_or_id}/scanner
    GET=getScannerOfProject PUT=setScannerOfProject
/projects/{project_name_or_id}/scanner/candidates
    GET=listScannerCandidatesOfProject
/projects/{project_name_or_id}/summary
    GET=getProjectSummary
/projects/{project_name_or_id}/webhook/events
    GET=GetSupportedEventTypes
/projects/{project_name_or_id}/webhook/jobs
    GET=ListWebhookJobs
/projects/{project_name_or_id}/webhook/lasttrigger
    GET=LastTrigger
/projects/{project_name_or_id}/webhook/policies
    GET=ListWebhookPoliciesOfProject POST=CreateWebhookPolicyOfProject
/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}
    DELETE=DeleteWebhookPolicyOfProject GET=GetWebhookPolicyOfProject PUT=UpdateWebhookPolicyOfProject
/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions
    GET=ListExecutionsOfWebhookPolicy
/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks
    GET=ListTasksOfWebhookExecution
/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks/{task_id}/log
    GET=GetLogsOfWebhookTask
/projects/{project_name}/auditlog-exts
    GET=getLogExts
/projects/{project_name}/logs
    GET=getLogs
/projects/{project_name}/preheat/policies
    GET=ListPolicies POST=CreatePolicy
/projects/{project_name}/preheat/policies/{preheat_policy_name}
    DELETE=DeletePolicy GET=GetPolicy POST=ManualPreheat PUT=UpdatePolicy
/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions
    GET=ListExecutions
/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}
    GET=GetExecution PATCH=StopExecution
/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}/tasks
    GET=ListTasks
/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}/tasks/{task_id}/logs
    GET=GetPreheatLog
/projects/{project_name}/preheat/providers
    GET=ListProvidersUnderProject
/projects/{project_name}/repositories
    GET=listRepositories
/projects/{project_name}/repositories/{repository_name}
    DELETE=deleteRepository GET=getRepository PUT=updateRepository
/projects/{project_name}/repositories/{repository_name}/artifacts
    GET=listArtifacts POST=CopyArtifact
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}
    DELETE=deleteArtifact GET=getArtifact
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories
    GET=listAccessories
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/vulnerabilities
    GET=getVulnerabilitiesAddition
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}
    GET=getAddition
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels
    POST=addLabel
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}
    DELETE=removeLabel
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/scan
    POST=scanArtifact
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/scan/stop
    POST=stopScanArtifact
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/scan/{report_id}/log
    GET=getReportLog
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags
    GET=listTags POST=createTag
/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}
    DELETE=deleteTag
/quotas
    GET=listQuotas
/quotas/{id}
    GET=getQuota PUT=updateQuota
/registries
    GET=listRegistries POST=createRegistry
/registries/ping
    POST=pingRegistry
/registries/{id}
    DELETE=deleteRegistry GET=getRegistry PUT=updateRegistry
/registries/{id}/info
    GET=getRegistryInfo
/replication/adapterinfos
    GET=listRegistryProviderInfos
/replication/adapters
    GET=listRegistryProviderTypes
/replication/executions
    GET=listReplicationExecutions POST=startReplication
/replication/executions/{id}
    GET=getReplicationExecution PUT=stopReplication
/replication/executions/{id}/tasks
    GET=listReplicationTasks
/replication/executions/{id}/tasks/{task_id}/log
    GET=getReplicationLog
/replication/policies
    GET=listReplicationPolicies POST=createReplicationPolicy
/replication/policies/{id}
    DELETE=deleteReplicationPolicy GET=getReplicationPolicy PUT=updateReplicationPolicy
/repositories
    GET=listAllRepositories
/retentions
    POST=createRetention
/retentions/metadatas
    GET=getRentenitionMetadata
/retentions/{id}
    DELETE=deleteRetention GET=getRetention PUT=updateRetention
/retentions/{id}/executions
    GET=listRetentionExecutions POST=triggerRetentionExecution
/retentions/{id}/executions/{eid}
    PATCH=operateRetentionExecution
/retentions/{id}/executions/{eid}/tasks
    GET=listRetentionTasks
/retentions/{id}/executions/{eid}/tasks/{tid}
    GET=getRetentionTaskLog
/robots
    GET=ListRobot POST=CreateRobot
/robots/{robot_id}
    DELETE=DeleteRobot GET=GetRobotByID PATCH=RefreshSec PUT=UpdateRobot
/scanners
    GET=listScanners POST=createScanner
/scanners/ping
    POST=pingScanner
/scanners/{registration_id}
    DELETE=deleteScanner GET=getScanner PATCH=setScannerAsDefault PUT=updateScanner
/scanners/{registration_id}/metadata
    GET=getScannerMetadata
/scans/all/metrics
    GET=getLatestScanAllMetrics
/scans/schedule/metrics
    GET=getLatestScheduledScanAllMetrics
/schedules
    GET=listSchedules
/schedules/{job_type}/paused
    GET=getSchedulePaused
/search
    GET=search
/security/summary
    GET=getSecuritySummary
/security/vul
    GET=ListVulnerabilities
/statistics
    GET=getStatistic
/system/CVEAllowlist
    GET=getSystemCVEAllowlist PUT=putSystemCVEAllowlist
/system/gc
    GET=getGCHistory
/system/gc/schedule
    GET=getGCSchedule POST=createGCSchedule PUT=updateGCSchedule
/system/gc/{gc_id}
    GET=getGC PUT=stopGC
/system/gc/{gc_id}/log
    GET=getGCLog
/system/oidc/ping
    POST=pingOIDC
/system/purgeaudit
    GET=getPurgeHistory
/system/purgeaudit/schedule
    GET=getPurgeSchedule POST=createPurgeSchedule PUT=updatePurgeSchedule
/system/purgeaudit/{purge_id}
    GET=getPurgeJob PUT=stopPurge
/system/purgeaudit/{purge_id}/log
    GET=getPurgeJobLog
/system/scanAll/schedule
    GET=getScanAllSchedule POST=createScanAllSchedule PUT=updateScanAllSchedule
/system/scanAll/stop
    POST=stopScanAll
/systeminfo
    GET=getSystemInfo
/systeminfo/getcert
    GET=getCert
/systeminfo/volumes
    GET=getVolumes
/usergroups
    GET=listUserGroups POST=createUserGroup
/usergroups/search
    GET=searchUserGroups
/usergroups/{group_id}
    DELETE=deleteUserGroup GET=getUserGroup PUT=updateUserGroup
/users
    GET=listUsers POST=createUser
/users/current
    GET=getCurrentUserInfo
/users/current/permissions
    GET=getCurrentUserPermissions
/users/search
    GET=searchUsers
/users/{user_id}
    DELETE=deleteUser GET=getUser PUT=updateUserProfile
/users/{user_id}/cli_secret
    PUT=setCliSecret
/users/{user_id}/password
    PUT=updateUserPassword
/users/{user_id}/sysadmin
    PUT=setUserSysAdmin
"""


def parse_table(text):
    """``{(METHOD, template): operationId}`` from the text of ``TABLE``."""
    table = {}
    template = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            template = line.strip()
            continue
        for pair in line.split():
            method, operation_id = pair.split("=", 1)
            table[(method, template)] = operation_id
    return table


def table_from_specs(paths):
    """``{(METHOD, template): operationId}`` of every operation in the swagger files ``paths``."""
    table = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            spec = yaml.safe_load(handle)
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                if method.upper() in METHODS:
                    table[(method.upper(), template)] = operation["operationId"]
    return table


def format_table(table):
    """The text of ``TABLE`` for ``table``: templates sorted, each with its sorted ``METHOD=operationId`` pairs."""
    by_template = {}
    for (method, template), operation_id in table.items():
        by_template.setdefault(template, []).append("%s=%s" % (method, operation_id))
    lines = []
    for template in sorted(by_template):
        lines += [template, "    " + " ".join(sorted(by_template[template]))]
    return "\n".join(lines) + "\n"


def go_name(operation_id):
    """The go-swagger operation name of an operationId (first letter upper case; Harbor's ids need no more)."""
    return operation_id[:1].upper() + operation_id[1:]


class _Entry:  # pylint: disable=too-few-public-methods
    """A row of the table in the shape ``routing.best_match`` reads."""

    def __init__(self, method, template, name):
        self.method = method
        self.template = Template(template)
        self.name = name


def registry_operation(path):
    """The operation name of a registry request (``/v2/...``), as Harbor's registry routes set it."""
    if path.rstrip("/") == "/v2/_catalog":
        return "v2_catalog"
    rest = path[len("/v2"):]
    for marker, name in REGISTRY_ROUTES:
        if marker in rest:
            return name
    return "v2_others"


class Operations:
    """Names the operation of a request to core (see the module docstring)."""

    def __init__(self, table=None):
        rows = parse_table(TABLE) if table is None else table
        self.entries = [_Entry(method, template, go_name(operation_id))
                        for (method, template), operation_id in sorted(rows.items())]

    @staticmethod
    def counted(path):
        """Whether core counts a request to ``path`` (what Harbor's nginx routes to core; not /_fake)."""
        return path == "/v2" or path.startswith(CORE_PREFIXES)

    def name(self, method, path):
        """The ``operation`` label of ``method path``."""
        if path.startswith(CHARTMUSEUM_PREFIXES):
            return "chartmuseum"
        if path == "/v2" or path.startswith("/v2/"):
            return registry_operation(path)
        if path.startswith(API_BASE + "/"):
            entry, _params, _allowed = best_match(self.entries, method, path[len(API_BASE):])
            if entry is not None:
                return entry.name
        return UNKNOWN


def main(argv=None):
    """Print the table of the swagger files named on the command line."""
    sys.stdout.write(format_table(table_from_specs(argv if argv is not None else sys.argv[1:])))


if __name__ == "__main__":
    main()
