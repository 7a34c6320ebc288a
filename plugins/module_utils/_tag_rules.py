# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Tag rules of a project: retention rules and immutability rules.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Both kinds of rule select tags and repositories with Harbor's ``doublestar`` selectors (api-notes §5, §7):

* a tag selector ``{"kind": "doublestar", "decoration": "matches"|"excludes", "pattern", "extras"}``, where
  the retention ``extras`` is a JSON *string* such as ``{"untagged":true}`` (Harbor's default: true);
* repository selectors ``{"repository": [{"kind": "doublestar", "decoration": "repoMatches"|"repoExcludes",
  "pattern"}]}``.

The modules expose them as readable options (``tags``, ``tag_decoration``, ``untagged``, ``repositories``,
``repository_decoration`` with ``matches``/``excludes``); this file converts both ways, normalises what
Harbor returns for comparison, and holds the retention templates with their parameter (keyed by the template
id, which Harbor does not check before a run).
"""

from __future__ import annotations

import json

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError

SELECTOR_KIND = "doublestar"
TAG_DECORATIONS = {"matches": "matches", "excludes": "excludes"}
REPOSITORY_DECORATIONS = {"matches": "repoMatches", "excludes": "repoExcludes"}
# Harbor keeps at most 15 retention rules per policy (policy/models.go ValidateRetentionPolicy)
MAX_RETENTION_RULES = 15

# Retention templates (rule/index/index.go) and the unit of their one parameter, whose key is the template id.
RETENTION_TEMPLATES = {
    "latestPushedK": "count",
    "latestPulledN": "count",
    "latestActiveK": "count",
    "nDaysSinceLastPush": "days",
    "nDaysSinceLastPull": "days",
    "lastXDays": "days",
    "always": None,
}

# Options of one rule, shared by the retention modules' argument specs.
SELECTOR_OPTIONS = dict(
    tags=dict(type="str", default="**"),
    tag_decoration=dict(type="str", choices=["matches", "excludes"], default="matches"),
    repositories=dict(type="str", default="**"),
    repository_decoration=dict(type="str", choices=["matches", "excludes"], default="matches"),
    disabled=dict(type="bool", default=False),
)
RETENTION_RULE_OPTIONS = dict(
    template=dict(type="str", required=True, choices=sorted(RETENTION_TEMPLATES)),
    count=dict(type="int"),
    days=dict(type="int"),
    params=dict(type="dict"),
    untagged=dict(type="bool", default=True),
    **SELECTOR_OPTIONS
)


def check_pattern(value, what):
    """A doublestar pattern: not empty, braces and brackets balanced (Harbor only finds out at run time)."""
    if not isinstance(value, str) or not value.strip():
        return "%s must be a non-empty pattern such as '**', 'v*' or '{main,release}-*'" % what
    depth = dict(brace=0, bracket=0)
    for char in value:
        if char == "{":
            depth["brace"] += 1
        elif char == "}":
            depth["brace"] -= 1
        elif char == "[":
            depth["bracket"] += 1
        elif char == "]":
            depth["bracket"] -= 1
        if min(depth.values()) < 0:
            break
    if any(depth.values()):
        return "%s %r is not a valid doublestar pattern: unbalanced braces or brackets" % (what, value)
    return None


def check_selectors(rule, what):
    return check_pattern(rule["tags"], "%s.tags" % what) or check_pattern(rule["repositories"], "%s.repositories" % what)


def tag_selector(pattern, decoration, untagged=None):
    selector = dict(kind=SELECTOR_KIND, decoration=TAG_DECORATIONS[decoration], pattern=pattern)
    if untagged is not None:
        selector["extras"] = json.dumps(dict(untagged=bool(untagged)), separators=(",", ":"))
    return selector


def repository_selectors(pattern, decoration):
    return dict(repository=[dict(kind=SELECTOR_KIND, decoration=REPOSITORY_DECORATIONS[decoration], pattern=pattern)])


def _extras(text):
    """The parsed ``extras`` JSON string of a selector ({} when absent or not JSON)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def normalize_selector(selector, with_extras=True):
    """A selector as the modules compare it: ``extras`` re-serialised compactly with sorted keys."""
    out = dict(kind=selector.get("kind"), decoration=selector.get("decoration"), pattern=selector.get("pattern"))
    if with_extras and selector.get("extras"):
        parsed = _extras(selector["extras"])
        out["extras"] = json.dumps(parsed, separators=(",", ":"), sort_keys=True) if parsed else selector["extras"]
    return out


def normalize_scope_selectors(scope_selectors):
    return dict((key, [normalize_selector(s, with_extras=False) for s in (value or [])])
                for key, value in sorted((scope_selectors or {}).items()))


def readable_selectors(rule):
    """``tags``, ``tag_decoration``, ``repositories``, ``repository_decoration`` of an API rule.

    Harbor's UI writes one tag selector and one repository selector per rule; the first of each is shown.
    """
    tag = (rule.get("tag_selectors") or [{}])[0]
    repo = ((rule.get("scope_selectors") or {}).get("repository") or [{}])[0]
    repo_decorations = dict((v, k) for k, v in REPOSITORY_DECORATIONS.items())
    return dict(tags=tag.get("pattern"), tag_decoration=tag.get("decoration"), repositories=repo.get("pattern"),
                repository_decoration=repo_decorations.get(repo.get("decoration"), repo.get("decoration")),
                disabled=bool(rule.get("disabled")))


# ---------------------------------------------------------------- retention rules

def _positive_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number > 0 else None
    return None


def retention_param(rule, what):
    """The ``params`` of a readable retention rule as Harbor wants them; returns (params, error)."""
    template = rule["template"]
    unit = RETENTION_TEMPLATES[template]
    given = [name for name in ("count", "days") if rule.get(name) is not None]
    if rule.get("params") is not None:
        if given:
            return None, "%s: set either %s or params, not both" % (what, given[0])
        keys = sorted(rule["params"])
        if unit is None:
            if keys:
                return None, "%s: template always takes no parameter, got params %s" % (what, keys)
            return {}, None
        if keys != [template]:
            return None, ("%s: template %s takes exactly one parameter keyed by the template id, "
                          "params: {%s: N}; got %s (Harbor would accept it and fail at run time)"
                          % (what, template, template, keys))
        number = _positive_int(rule["params"][template])
        if number is None:
            return None, "%s: params.%s must be a positive whole number of %s, got %r" % (
                what, template, unit, rule["params"][template])
        return {template: number}, None
    if unit is None:
        if given:
            return None, "%s: template always takes no %s" % (what, given[0])
        return {}, None
    wrong = [name for name in given if name != unit]
    if wrong:
        return None, "%s: template %s takes %s, not %s" % (what, template, unit, wrong[0])
    if rule.get(unit) is None:
        return None, "%s: template %s needs %s (a positive whole number)" % (what, template, unit)
    if _positive_int(rule[unit]) is None:
        return None, "%s: %s of template %s must be greater than 0, got %r" % (what, unit, template, rule[unit])
    return {template: rule[unit]}, None


def retention_rules(rules, option="rules"):
    """API rules from the readable ``rules`` option; returns (rules, error). No request is made."""
    if len(rules) > MAX_RETENTION_RULES:
        return None, "%s: Harbor allows at most %d retention rules, got %d" % (option, MAX_RETENTION_RULES, len(rules))
    out = []
    for index, rule in enumerate(rules):
        what = "%s[%d]" % (option, index)
        params, problem = retention_param(rule, what)
        problem = problem or check_selectors(rule, what)
        if problem:
            return None, problem
        api_rule = dict(disabled=rule["disabled"], action="retain", template=rule["template"], params=params,
                        tag_selectors=[tag_selector(rule["tags"], rule["tag_decoration"], rule["untagged"])],
                        scope_selectors=repository_selectors(rule["repositories"], rule["repository_decoration"]))
        if api_rule in out:
            return None, ("%s duplicates %s[%d]: Harbor refuses identical rules"
                          % (what, option, out.index(api_rule)))
        out.append(api_rule)
    return out, None


def normalize_retention_rule(rule):
    """An API rule as the modules compare it: no id/priority, parameters as numbers, extras normalised."""
    params = {}
    for key, value in (rule.get("params") or {}).items():
        params[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    return dict(disabled=bool(rule.get("disabled")), action=rule.get("action") or "retain",
                template=rule.get("template"), params=params,
                tag_selectors=[normalize_selector(s) for s in rule.get("tag_selectors") or []],
                scope_selectors=normalize_scope_selectors(rule.get("scope_selectors")))


def readable_retention_rule(rule):
    """A rule in the retention_policy module's option form (plus the raw ``params``)."""
    out = dict(template=rule.get("template"), params=dict(rule.get("params") or {}))
    unit = RETENTION_TEMPLATES.get(rule.get("template"))
    if unit and rule.get("template") in out["params"]:
        out[unit] = out["params"][rule["template"]]
    out.update(readable_selectors(rule))
    tag = (rule.get("tag_selectors") or [{}])[0]
    out["untagged"] = _extras(tag.get("extras")).get("untagged", True)
    return out


def schedule_of(policy):
    """The cron of a retention policy ("" = manual only)."""
    trigger = policy.get("trigger") or {}
    return ((trigger.get("settings") or {}).get("cron") or "") if trigger.get("kind") == "Schedule" else ""


def retention_trigger(cron):
    """Always the full trigger (errata E11): ``{"kind": "Schedule", "settings": {"cron": cron or ""}}``."""
    return dict(kind="Schedule", settings=dict(cron=cron or ""))


def policy_is_gone(client, policy_id):
    """After a 500 on ``GET /retentions/{id}``: is that Harbor's answer for a policy that no longer exists?

    Harbor answers 500 both for a missing policy (the ORM's "no row" without a NOT_FOUND code, errata E10) and for a
    failure of its own. Its executions list tells them apart: 400 "retention policy N not found" for a missing one.
    Anything else means the policy exists (or Harbor is failing): never "gone", so that no second policy is created.
    """
    try:
        client.get("/retentions/%d/executions" % policy_id, params=dict(page=1, page_size=1))
    except HarborError as exc:
        return exc.status == 400
    return False


def get_retention_policy(client, project):
    """The retention policy linked to ``project`` (its ``metadata.retention_id``); returns (policy, stale_id).

    ``GET /retentions/{id}`` of a policy that no longer exists answers 500 (errata E10); on Harbor 2.10 to 2.13
    the project keeps such a stale ``retention_id`` after the policy was deleted. Then (None, id) is returned - only
    when ``policy_is_gone`` confirms it; any other failure is raised.
    """
    text = (project.get("metadata") or {}).get("retention_id")
    if not text or not str(text).isdigit() or int(text) <= 0:
        return None, None
    policy_id = int(text)
    try:
        policy = client.get("/retentions/%d" % policy_id)  # a passing 500 is retried by the client
    except HarborError as exc:
        if exc.status == 500 and policy_is_gone(client, policy_id):
            return None, policy_id
        raise
    if not isinstance(policy, dict) or (policy.get("scope") or {}).get("ref") != project["project_id"]:
        return None, int(text)
    return policy, None
