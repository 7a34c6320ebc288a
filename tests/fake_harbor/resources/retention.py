"""Tag retention: ``/retentions*`` (api-notes §5, errata E10, E11).

* One policy per project, linked through the project's ``metadata.retention_id`` (set by POST; on 2.14+ DELETE
  removes it, on 2.10-2.13 it stays behind, stale).
* POST/PUT validate only what Harbor validates (``ValidateRetentionPolicy`` + ``checkRuleConflict``): scope,
  algorithm ``or``, at most 15 rules, identical rules (409), a present non-empty cron (6 fields, seconds 0).
  Unknown templates and misnamed parameters are accepted; the *execution* then fails like Harbor's job does
  ("missing required parameter X for rule X", "rule evaluator X is not registered").
* ``GET /retentions/{id}`` of a missing policy answers 500; DELETE and executions of a missing one 400;
  PUT with an id that is not the project's ``retention_id`` 404, with the stale id of a deleted policy 500.
* Executions evaluate the rules for real over the artifacts of ``resources/artifacts.py``: per repository
  selected by a rule (one task each), the candidates are its artifacts; each enabled rule filters them with its
  tag selectors (doublestar, ``untagged`` extras, default true) and keeps what its template keeps; the union
  is retained, the rest deleted (a dry run deletes nothing). Artifacts with an immutable tag (hook
  ``tag_immutable``) are never deleted. Each task has a log with Harbor's result table.
* An execution is a job of the fake's job service (executions.py, kind ``RETENTION``; each task a job service job
  with its ``job_id``): it is ``Running`` (tasks ``Pending``/``Running``, ``status_code`` 0/2) for the job's
  duration, whether anyone reads it or not, and the rules are evaluated when it ends (``Success`` or ``Error``,
  ``status_code`` 3, src/jobservice/job/status.go); an execution that selects no repository ends at once.
  ``PATCH …/executions/{eid}`` ``{"action": "stop"}`` stops a running one (``Stopped``, nothing deleted).

The doublestar matcher and the selector functions here are also used by ``resources/immutable.py``.
"""

import datetime
import json

from ..framework import auth
from ..framework.doublestar import doublestar_match
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import artifacts, executions

ROUTES = RouteTable()

MAX_RULES = 15
TEMPLATES = {  # rule/index/index.go: template -> kind of its parameter (named like the template)
    "latestPushedK": "count", "latestPulledN": "count", "latestActiveK": "count",
    "nDaysSinceLastPush": "days", "nDaysSinceLastPull": "days", "lastXDays": "days", "always": None,
}
_UI_TEMPLATES = [  # rentenitionMetadataPayload: the five the UI offers
    ("latestPushedK", "the most recently pushed # artifacts", "count"),
    ("latestPulledN", "the most recently pulled # artifacts", "count"),
    ("nDaysSinceLastPush", "pushed within the last # days", "days"),
    ("nDaysSinceLastPull", "pulled within the last # days", "days"),
    ("always", "always", None),
]
STATUS_CODES = {executions.PENDING: 0, executions.RUNNING: 2}  # every final status has code 3


def init_state(state):
    state.retentions = {}            # id -> policy
    state.retention_executions = {}  # id -> execution record
    state.retention_tasks = {}       # id -> task record (with its log)


# ---------------------------------------------------------------- selectors (lib/selector)

def untagged_of(selector):
    """The ``untagged`` flag of a tag selector's ``extras`` JSON string (default true)."""
    try:
        extras = json.loads(selector.get("extras") or "{}")
    except ValueError:
        extras = {}
    return bool(extras.get("untagged", True)) if isinstance(extras, dict) else True


def select_tags(selector, tags, with_untagged):
    """Does a tag selector select an artifact with these tags? (one matching / non-matching tag is enough)"""
    if not tags:
        return with_untagged
    matches = selector.get("decoration") != "excludes"
    return any(doublestar_match(selector.get("pattern") or "", tag) == matches for tag in tags)


def select_repository(scope_selectors, short_name):
    for selector in (scope_selectors or {}).get("repository") or []:
        matched = doublestar_match(selector.get("pattern") or "", short_name)
        if matched != (selector.get("decoration") != "repoExcludes"):
            return False
    return True


def short_repository_name(project, repo):
    return repo["name"][len(project["name"]) + 1:]


# ---------------------------------------------------------------- policies

def _policy_project(ctx, policy, action):
    project = ctx.state.projects.get(policy["scope"]["ref"])
    if project is None:
        raise not_found("project %s not found" % policy["scope"]["ref"])
    auth.require(ctx, project, "tag-retention", action)
    return project


def _get_policy(ctx, status_if_missing, action="read"):
    policy_id = ctx.path_int("id")
    policy = ctx.state.retentions.get(policy_id)
    if policy is None:
        auth.require_authenticated(ctx)
        if status_if_missing == 500:
            # GetPolicy wraps the ORM's "no row" without a NOT_FOUND code (errata E10)
            raise HarborError(500, "failed to get retention policy %d: no row found" % policy_id)
        raise bad_request("retention policy %d not found" % policy_id)
    return policy, _policy_project(ctx, policy, action)


def _cron_error(cron):
    fields = cron.split()
    if len(fields) != 6:
        return "invalid cron expression %s: 6 fields are required" % cron
    if fields[0] != "0":
        return "invalid cron expression %s: the first field (seconds) must be 0" % cron
    return None


def _rule(raw, index):
    if not isinstance(raw, dict):
        raise bad_request("rule %d is not an object" % index)
    return {
        "id": raw.get("id") or 0, "priority": raw.get("priority") or 0, "disabled": bool(raw.get("disabled")),
        "action": raw.get("action") or "", "template": raw.get("template") or "",
        "params": dict(raw.get("params") or {}), "tag_selectors": list(raw.get("tag_selectors") or []),
        "scope_selectors": dict(raw.get("scope_selectors") or {}),
    }


def _validate(ctx, body, stored=None):
    """ValidateRetentionPolicy + checkRuleConflict; returns (project, rules, trigger)."""
    scope = body.get("scope") or {}
    if scope.get("level") != "project":
        raise bad_request("scope level must be project")
    project = ctx.state.projects.get(scope.get("ref"))
    if project is None:
        if ctx.principal.sysadmin:
            raise bad_request("project %s not found" % scope.get("ref"))
        auth.require_authenticated(ctx)
        raise HarborError(403, "forbidden")
    auth.require(ctx, project, "tag-retention", "update" if stored else "create")
    if body.get("algorithm") != "or":
        raise bad_request("algorithm %s is not supported, only or" % body.get("algorithm"))
    raw_rules = body.get("rules") or []
    if len(raw_rules) > MAX_RULES:
        raise bad_request("only %d rules are allowed at most" % MAX_RULES)
    rules = [_rule(raw, n) for n, raw in enumerate(raw_rules)]
    seen = {}
    for index, rule in enumerate(rules):
        key = json.dumps(dict(rule, id=0), sort_keys=True)
        if key in seen:
            raise conflict("rule %d is conflict with rule %d" % (index, seen[key]))
        seen[key] = index
    trigger = body.get("trigger") or {}
    settings = trigger.get("settings") if isinstance(trigger.get("settings"), dict) else {}
    cron = settings.get("cron")
    if cron:
        problem = _cron_error(str(cron))
        if problem:
            raise bad_request(problem)
    if stored is not None:
        stored_cron = (stored["trigger"].get("settings") or {}).get("cron")
        if trigger.get("kind") == "Schedule" and "cron" not in settings and stored_cron:
            raise HarborError(500, "failed to update the schedule: cron is missing")  # errata E11
        if trigger.get("kind") not in ("Schedule", "") and trigger.get("kind") == stored["trigger"].get("kind"):
            raise HarborError(500, "not support Trigger %s" % trigger.get("kind"))  # errata E11
    return project, rules, {"kind": trigger.get("kind") or "", "settings": dict(settings), "references": {}}


def insert_policy(state, project, rules, trigger):
    policy_id = state.next_id("retention")
    state.retentions[policy_id] = {"id": policy_id, "algorithm": "or", "rules": rules, "trigger": trigger,
                                   "scope": {"level": "project", "ref": project["project_id"]}}
    project["metadata"]["retention_id"] = str(policy_id)
    return policy_id


def serialize_policy(policy):
    return json.loads(json.dumps(policy))


@ROUTES.get("/retentions/metadatas")
def retention_metadatas(ctx):
    auth.require_authenticated(ctx)
    templates = [{"rule_template": tid, "display_text": text, "action": "retain",
                  "params": [{"type": "int", "unit": unit.upper(), "required": True}] if unit else []}
                 for tid, text, unit in _UI_TEMPLATES]
    return Response.json({
        "templates": templates,
        "scope_selectors": [{"display_text": "Repositories", "kind": "doublestar",
                             "decorations": ["repoMatches", "repoExcludes"]}],
        "tag_selectors": [{"display_text": "Tags", "kind": "doublestar", "decorations": ["matches", "excludes"]}],
    })


@ROUTES.post("/retentions")
def create_retention(ctx):
    auth.require_authenticated(ctx)
    project, rules, trigger = _validate(ctx, ctx.json_object())
    if project["metadata"].get("retention_id"):
        raise bad_request("project %d already has retention policy %s" % (
            project["project_id"], project["metadata"]["retention_id"]))
    return Response.created(ctx.location(insert_policy(ctx.state, project, rules, trigger)))


@ROUTES.get("/retentions/{id}")
def get_retention(ctx):
    policy, _project = _get_policy(ctx, 500)
    return Response.json(serialize_policy(policy))


@ROUTES.put("/retentions/{id}")
def update_retention(ctx):
    auth.require_authenticated(ctx)
    policy_id = ctx.path_int("id")
    body = ctx.json_object()
    scope_project = ctx.state.projects.get((body.get("scope") or {}).get("ref"))
    if scope_project is not None and scope_project["metadata"].get("retention_id") != str(policy_id):
        raise not_found("retention policy %d of project %d not found" % (policy_id, scope_project["project_id"]))
    stored = ctx.state.retentions.get(policy_id)
    if stored is None:
        raise HarborError(500, "failed to get retention policy %d: no row found" % policy_id)  # errata E10
    _project, rules, trigger = _validate(ctx, body, stored)
    stored.update(rules=rules, trigger=trigger)
    return Response.ok()


@ROUTES.delete("/retentions/{id}")
def delete_retention(ctx):
    policy, project = _get_policy(ctx, 400, "delete")
    _drop_policy(ctx.state, policy)
    if ctx.version >= (2, 14):
        project["metadata"].pop("retention_id", None)  # 2.10-2.13 keep the stale link (errata E10)
    return Response.ok()


def _drop_policy(state, policy):
    state.retentions.pop(policy["id"], None)
    for execution in [e for e in state.retention_executions.values() if e["policy_id"] == policy["id"]]:
        executions.stop(state, execution["job"])
        state.retention_executions.pop(execution["id"])
        for task in [t for t in state.retention_tasks.values() if t["execution_id"] == execution["id"]]:
            state.retention_tasks.pop(task["id"])


# ---------------------------------------------------------------- evaluation

def _time(text):
    if not text:
        return None
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class RuleError(Exception):
    pass


def _param(rule):
    template = rule["template"]
    if template not in TEMPLATES:
        raise RuleError("rule evaluator %s is not registered" % template)
    if TEMPLATES[template] is None:
        return None
    value = rule["params"].get(template)
    if value is None:
        raise RuleError("missing required parameter %s for rule %s" % (template, template))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RuleError("invalid parameter %s=%r for rule %s" % (template, value, template)) from None


def pushed(artifact):
    return _time(artifact["push_time"]) or _EPOCH


def pulled(artifact):
    return _time(artifact["pull_time"]) or _EPOCH


def _keep(rule, candidates, now):
    """The candidates the rule's template keeps (rule/*/evaluator.go)."""
    template = rule["template"]
    number = _param(rule)
    if template == "always":
        return list(candidates)
    if template == "latestPushedK":
        return sorted(candidates, key=pushed, reverse=True)[:number]
    if template == "latestPulledN":
        return sorted(candidates, key=pulled, reverse=True)[:number]
    if template == "latestActiveK":
        return sorted(candidates, key=lambda a: max(pushed(a), pulled(a)), reverse=True)[:number]
    since = now - datetime.timedelta(days=number)
    if template in ("nDaysSinceLastPush", "lastXDays"):
        return [a for a in candidates if pushed(a) >= since]
    return [a for a in candidates if _time(a["pull_time"]) is not None and pulled(a) >= since]  # nDaysSinceLastPull


def _select(rule, candidates):
    selected = list(candidates)
    for selector in rule["tag_selectors"]:
        with_untagged = untagged_of(selector)
        selected = [a for a in selected if select_tags(selector, [t["name"] for t in a["tags"]], with_untagged)]
    return selected


def _immutable(state, project, repo, artifact):
    name = short_repository_name(project, repo)
    return any(state.hooks.first("tag_immutable", state, project, name, t["name"], default=False)
               for t in artifact["tags"])


def _log(repo, rows, dry_run):
    header = ["DIGEST", "TAG", "KIND", "LABELS", "PUSHEDTIME", "PULLEDTIME", "CREATEDTIME", "RETENTION"]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(cells):
        return "|" + "|".join(" %s " % c.ljust(w) for c, w in zip(cells, widths)) + "|"

    now = now_iso()
    out = ["%s [INFO] Run retention process." % now, " Repository: %s" % repo["name"], " Rule Algorithm: or",
           " Dry Run: %s" % ("true" if dry_run else "false"), "", line, fmt(header), line]
    out.extend(fmt(r) for r in rows)
    out.append(line)
    return "\n".join(out) + "\n"


def _stamp(text):
    parsed = _time(text)
    return parsed.strftime("%Y/%m/%d %H:%M:%S") if parsed else ""


def run_policy(ctx, policy, project, dry_run, trigger="MANUAL"):
    """Start an execution of ``policy``: one task per selected repository; the rules are evaluated at its end."""
    state = ctx.state
    start = executions.clock_iso(state)
    execution = {"id": state.next_id("retention_execution"), "policy_id": policy["id"], "start_time": start,
                 "end_time": "", "trigger": trigger, "dry_run": bool(dry_run), "project_id": project["project_id"]}
    state.retention_executions[execution["id"]] = execution
    rules = [r for r in policy["rules"] if not r["disabled"]]
    repos = sorted((r for r in state.repositories if r["project_id"] == project["project_id"]), key=lambda r: r["name"])
    for repo in repos:
        repo_rules = [r for r in rules if select_repository(r["scope_selectors"], short_repository_name(project, repo))]
        if not repo_rules:
            continue
        task = {"id": state.next_id("retention_task"), "execution_id": execution["id"], "repository": repo["name"],
                "job_id": executions.new_job_id(), "status": executions.PENDING, "status_code": 0, "status_revision": 0,
                "start_time": start, "end_time": "", "total": 0, "retained": 0, "log": "", "rules": repo_rules}
        state.retention_tasks[task["id"]] = task
    tasks = _tasks(state, execution)
    execution["job"] = executions.new_execution(
        state, "retention:%d" % execution["id"], trigger, kind=executions.RETENTION,
        on_finish=executions.callback(_evaluate, execution),
        on_progress=executions.callback(_mark_tasks, execution),
        on_end=executions.callback(_mark_tasks, execution), job_ids=[t["job_id"] for t in tasks])
    if not tasks:
        executions.finish(state, execution["job"])  # nothing selected: done at once
    _mark_tasks(state, execution)
    return execution


def _tasks(state, execution):
    return sorted((t for t in state.retention_tasks.values() if t["execution_id"] == execution["id"]),
                  key=lambda t: t["id"])


def _mark_tasks(state, execution):
    """The tasks follow the job: Pending, Running, then (unless evaluated) Stopped."""
    job = execution["job"]
    for task in _tasks(state, execution):
        if task["status"] not in executions.ACTIVE or task["status"] == job["status"]:
            continue
        task["status"] = job["status"]
        task["status_code"] = STATUS_CODES.get(job["status"], 3)
        task["status_revision"] += 1
        if job["status"] not in executions.ACTIVE:
            task["end_time"] = job["end_time"]
    if job["status"] not in executions.ACTIVE:
        execution["end_time"] = job["end_time"]


def _evaluate(state, execution):
    """The job's work: evaluate the rules per task (repository), delete what no rule keeps (not in a dry run)."""
    project = state.projects.get(execution["project_id"])
    now_dt = datetime.datetime.now(datetime.timezone.utc)
    stamp = execution["job"]["end_time"]
    failed = False
    for task in _tasks(state, execution):
        repo = next((r for r in state.repositories if r["name"] == task["repository"]), None)
        candidates = sorted(artifacts.repository_artifacts(state, repo), key=lambda a: a["push_time"] or "",
                            reverse=True) if repo is not None and project is not None else []
        task.update(total=len(candidates), retained=0, status=executions.SUCCESS, status_code=3, end_time=stamp)
        task["status_revision"] += 1
        try:
            kept = set()
            for rule in task["rules"]:
                kept.update(a["id"] for a in _keep(rule, _select(rule, candidates), now_dt))
        except RuleError as err:
            task.update(status=executions.ERROR, log="%s [ERROR] %s\n" % (stamp, err))
            failed = True
            continue
        rows = []
        for artifact in candidates:
            retained = artifact["id"] in kept or _immutable(state, project, repo, artifact)
            rows.append([artifact["digest"], ",".join(t["name"] for t in artifact["tags"]) or "<none>", "image",
                         "", _stamp(artifact["push_time"]), _stamp(artifact["pull_time"]),
                         _stamp(artifact["push_time"]), "RETAIN" if retained else "DEL"])
            if retained:
                task["retained"] += 1
            elif not execution["dry_run"]:
                artifacts.remove_artifact(state, artifact)
        task["log"] = _log(repo, rows, execution["dry_run"])
    return executions.ERROR if failed else None


def serialize_execution(execution):
    body = {k: execution[k] for k in ("id", "policy_id", "start_time", "end_time", "trigger", "dry_run")}
    body["status"] = execution["job"]["status"]
    return body


def serialize_task(task):
    return {k: task[k] for k in ("id", "execution_id", "repository", "job_id", "status", "status_code",
                                 "status_revision", "start_time", "end_time", "total", "retained")}


@ROUTES.post("/retentions/{id}/executions")
def trigger_execution(ctx):
    policy, project = _get_policy(ctx, 400, "update")
    body = ctx.json_object()
    execution = run_policy(ctx, policy, project, bool(body.get("dry_run")))
    return Response.created(ctx.location(execution["id"]))


@ROUTES.get("/retentions/{id}/executions")
def list_executions(ctx):
    policy, _project = _get_policy(ctx, 400, "list")
    items = sorted((e for e in ctx.state.retention_executions.values() if e["policy_id"] == policy["id"]),
                   key=lambda e: e["id"], reverse=True)
    return paginate(ctx, items, serialize_execution)


def _execution(ctx, policy):
    execution = ctx.state.retention_executions.get(ctx.path_int("eid"))
    if execution is None or execution["policy_id"] != policy["id"]:
        raise not_found("retention execution %s not found" % ctx.params["eid"])
    return execution


@ROUTES.patch("/retentions/{id}/executions/{eid}")
def operate_execution(ctx):
    policy, _project = _get_policy(ctx, 400, "update")
    execution = _execution(ctx, policy)
    if ctx.json_object().get("action") != "stop":
        raise bad_request("only stop is supported")
    executions.stop(ctx.state, execution["job"])
    return Response.ok()


@ROUTES.get("/retentions/{id}/executions/{eid}/tasks")
def list_tasks(ctx):
    policy, _project = _get_policy(ctx, 400, "list")
    execution = _execution(ctx, policy)
    return paginate(ctx, _tasks(ctx.state, execution), serialize_task)


@ROUTES.get("/retentions/{id}/executions/{eid}/tasks/{tid}")
def task_log(ctx):
    policy, _project = _get_policy(ctx, 400, "read")
    execution = _execution(ctx, policy)
    task = ctx.state.retention_tasks.get(ctx.path_int("tid"))
    if task is None or task["execution_id"] != execution["id"]:
        raise not_found("retention task %s not found" % ctx.params["tid"])
    return Response.text(task["log"])


# ---------------------------------------------------------------- hooks

def _proxy_cache_retention(state, project):
    """A proxy-cache project gets a 7-day nDaysSinceLastPull policy at creation (api-notes §1)."""
    rule = {"id": 0, "priority": 0, "disabled": False, "action": "retain", "template": "nDaysSinceLastPull",
            "params": {"nDaysSinceLastPull": 7},
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**",
                               "extras": "{\"untagged\":true}"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}
    policy_id = insert_policy(state, project, [rule], {"kind": "Schedule", "settings": {"cron": "0 0 0 * * *"},
                                                       "references": {}})
    project["metadata"].pop("retention_id", None)  # projects.create_project stores the returned id itself
    return policy_id


def _project_deleted(state, project):
    for policy in [p for p in state.retentions.values() if p["scope"]["ref"] == project["project_id"]]:
        _drop_policy(state, policy)


HOOKS = {"create_proxy_cache_retention": _proxy_cache_retention, "project_deleted": _project_deleted}
