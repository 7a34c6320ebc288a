# -*- coding: utf-8 -*-
"""The bulk path's validation: every item of every kind, with its module's rules, before any request."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._bulk import KINDS, Reconciler


class StubModule(object):
    check_mode = False
    _diff = False

    def __init__(self):
        self.params = dict(url="https://harbor.test", username="admin", password="pw", validate_certs=True,
                           ca_path=None, timeout=30)
        self.no_log_values = set()
        self.client = NoClient()


class NoClient(object):
    """Any request fails the test: validation must not send one."""

    def __getattr__(self, name):
        raise AssertionError("validation used the client (%s)" % name)


def problems(objects, **kwargs):
    module = StubModule()
    reconciler = Reconciler(module, objects, **kwargs)
    return reconciler.validate(), reconciler, module


def test_valid_items_pass_and_get_their_names():
    found, reconciler, dummy = problems({
        "project": [{"name": "production", "auto_scan": True}],
        "robot": [{"name": "ci", "project": "production", "duration": 30}],
        "project_member": [{"project": "production", "group": "devs", "group_type": "oidc", "role": "developer"}],
        "immutable_tag_rule": [{"project": "production", "tags": "v*", "repositories": "app-*",
                                "repository_decoration": "excludes"}],
    })
    assert found == []
    assert [(item.kind.name, item.label) for item in reconciler.items] == [
        ("project", "production"), ("project_member", "production/devs (oidc group)"),
        ("robot", "robot$production+ci"), ("immutable_tag_rule", "production/!app-*:v*")]


def test_every_problem_is_reported_with_the_item():
    found, dummy, dummy2 = problems({
        "project": [{"name": "a", "autoscan": True}, {"name": "b", "storage_quota": "lots"}, "c"],
        "label": [{"name": "x", "color": "red"}],
        "gc": [{"schedule": "Daily"}, {"schedule": "Weekly"}],
        "projects": [],
    })
    text = "\n".join(found)
    assert "project[0] (a): unknown key autoscan" in text
    assert "project[1] (b):" in text and "storage_quota" in text
    assert "project[2]: an item must be a dict" in text
    assert "label[0] (x): color 'red' is not a colour" in text
    assert "gc is one object: give at most one item, not 2" in text
    assert "unknown kind 'projects'" in text


def test_duplicates_and_wrong_prune_kinds_are_refused():
    found, dummy, dummy2 = problems({"project": [{"name": "a"}, {"name": "a", "public": True}]},
                                    prune=["gc"], kinds=["nope"])
    text = "\n".join(found)
    assert "project[1] (a): declared twice (also project[0])" in text
    assert "prune/protect 'gc'" in text
    assert "kinds: unknown kind 'nope'" in text


def test_secrets_of_items_are_masked_in_every_output():
    found, dummy, module = problems({"user": [{"name": "alice", "user_password": "S3cret-Passw0rd"}],
                                     "registry": [{"name": "ecr", "type": "docker-hub", "endpoint_url": "https://hub.docker.com",
                                                   "access_key": "me", "access_secret": "aws-s3cret"}]})
    assert found == []
    assert {"S3cret-Passw0rd", "aws-s3cret"} <= module.no_log_values


def test_kinds_are_in_dependency_order():
    order = [kind.name for kind in KINDS]
    assert order.index("registry") < order.index("project") < order.index("project_member")
    assert order.index("project") < order.index("robot") < order.index("replication_policy")
    assert order.index("user_group") < order.index("project_member")
