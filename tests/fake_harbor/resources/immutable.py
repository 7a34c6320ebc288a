"""Tag immutability rules: ``/projects/{p}/immutabletagrules*`` (api-notes §7).

* Create → 201 + Location; an identical rule (same selectors) in the project → 409 "immutable rule already
  exists"; selector ``kind`` must be ``doublestar``.
* PUT replaces the rule; the body's ``id`` must equal the path's (otherwise 400). PUT also enables/disables.
* Provides the ``tag_immutable`` hook of ``resources/artifacts.py``: a tag is immutable when an enabled rule of
  its project selects its repository and the tag (tag deletion and artifact deletion then answer 412, and
  retention keeps the artifact).
"""

import json

from ..framework.errors import bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from .projects import require_project
from .retention import select_repository, select_tags

ROUTES = RouteTable()

_TAG_DECORATIONS = ("matches", "excludes")
_REPO_DECORATIONS = ("repoMatches", "repoExcludes")


def init_state(state):
    state.immutable_rules = {}  # id -> rule (with project_id)


def _selectors(raw, decorations, what):
    out = []
    for selector in raw or []:
        if not isinstance(selector, dict) or selector.get("kind") != "doublestar":
            raise bad_request("%s selector kind must be doublestar" % what)
        if selector.get("decoration") not in decorations:
            raise bad_request("invalid %s selector decoration %s" % (what, selector.get("decoration")))
        item = {"kind": "doublestar", "decoration": selector["decoration"], "pattern": selector.get("pattern") or ""}
        if selector.get("extras"):
            item["extras"] = selector["extras"]
        out.append(item)
    return out


def _rule_from(project, body):
    tags = _selectors(body.get("tag_selectors"), _TAG_DECORATIONS, "tag")
    if not tags:
        raise bad_request("the tag selectors of an immutable rule are required")
    repos = _selectors((body.get("scope_selectors") or {}).get("repository"), _REPO_DECORATIONS, "repository")
    return {"project_id": project["project_id"], "priority": body.get("priority") or 0,
            "disabled": bool(body.get("disabled")), "action": body.get("action") or "immutable",
            "template": body.get("template") or "immutable_template", "params": dict(body.get("params") or {}),
            "tag_selectors": tags, "scope_selectors": {"repository": repos}}


def _identity(rule):
    return json.dumps([rule["project_id"], rule["tag_selectors"], rule["scope_selectors"]], sort_keys=True)


def _check_unique(state, rule, skip_id=None):
    for other in state.immutable_rules.values():
        if other["id"] != skip_id and _identity(other) == _identity(rule):
            raise conflict("immutable rule already exists")


def serialize(rule):
    return {k: json.loads(json.dumps(v)) for k, v in rule.items() if k != "project_id"}


@ROUTES.get("/projects/{project_name_or_id}/immutabletagrules")
def list_rules(ctx):
    project = require_project(ctx, "immutable-tag", "list")
    rules = [r for r in ctx.state.immutable_rules.values() if r["project_id"] == project["project_id"]]
    items = filter_items(ctx, sorted(rules, key=lambda r: r["id"]), {"id": "id"}, sortable={"id": "id"})
    return paginate(ctx, items, serialize)


@ROUTES.post("/projects/{project_name_or_id}/immutabletagrules")
def create_rule(ctx):
    project = require_project(ctx, "immutable-tag", "create")
    rule = _rule_from(project, ctx.json_object())
    _check_unique(ctx.state, rule)
    rule["id"] = ctx.state.next_id("immutable_rule")
    ctx.state.immutable_rules[rule["id"]] = rule
    return Response.created(ctx.location(rule["id"]))


def _stored(ctx, project):
    rule_id = ctx.path_int("immutable_rule_id")
    rule = ctx.state.immutable_rules.get(rule_id)
    if rule is None or rule["project_id"] != project["project_id"]:
        raise not_found("immutable rule %d not found" % rule_id)
    return rule


@ROUTES.put("/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}")
def update_rule(ctx):
    project = require_project(ctx, "immutable-tag", "update")
    body = ctx.json_object()
    if body.get("id") != ctx.path_int("immutable_rule_id"):
        raise bad_request("the id in the body (%s) must equal the id in the path (%s)" % (
            body.get("id"), ctx.params["immutable_rule_id"]))
    stored = _stored(ctx, project)
    rule = _rule_from(project, body)
    _check_unique(ctx.state, rule, skip_id=stored["id"])
    stored.update(rule)
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}")
def delete_rule(ctx):
    project = require_project(ctx, "immutable-tag", "delete")
    ctx.state.immutable_rules.pop(_stored(ctx, project)["id"])
    return Response.ok()


# ---------------------------------------------------------------- hooks

def tag_immutable(state, project, repository_name, tag_name):
    for rule in state.immutable_rules.values():
        if rule["project_id"] != project["project_id"] or rule["disabled"]:
            continue
        if select_repository(rule["scope_selectors"], repository_name) and all(
                select_tags(s, [tag_name], False) for s in rule["tag_selectors"]):
            return True
    return None


def _project_deleted(state, project):
    for rule_id in [r["id"] for r in state.immutable_rules.values() if r["project_id"] == project["project_id"]]:
        state.immutable_rules.pop(rule_id)


HOOKS = {"tag_immutable": tag_immutable, "project_deleted": _project_deleted}
