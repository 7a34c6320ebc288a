"""Property-based tests (issue 15): a valid random model applies, and applies again without a change.

Against the in-process fake Harbor (2.10 and 2.15, HTTPS, held to Harbor's OpenAPI specs), hypothesis draws valid
arguments for the write modules - project (metadata, quotas), label, user, registry, webhook_policy, robot,
immutable_tag_rule, retention_policy, replication_policy - and random models of several kinds for ``reconcile``.
Each module runs in-process, as ``tests/unit/conftest.py`` runs it (``patch_module_args`` and ``main()``), on the
collection's own source. The property, per example on a fresh Harbor:

* the first run succeeds and reports ``changed=true`` (every object is new);
* the second, identical run reports ``changed=false`` and sends no write request (the fake's request log);
* the fake recorded no contract violation.

HARBOR_HYPOTHESIS_EXAMPLES raises the example counts (default: 12 per module and version).
"""

import json
import os
import pathlib
import sys

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_harbor.server import FakeHarbor
from tests.fake_harbor.transport.reqlog import WRITE_METHODS

REPO = pathlib.Path(__file__).resolve().parents[2]
VERSIONS = ("2.10", "2.15")
ADMIN_PASSWORD = "Adm1n-Properties-Pw"
EXAMPLES = int(os.environ.get("HARBOR_HYPOTHESIS_EXAMPLES", "0")) or 12
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The collection's source importable as ``ansible_collections.harbor_ops.harbor`` (a link to the work tree)."""
    root = tmp_path_factory.mktemp("collections")
    (root / "ansible_collections" / "harbor_ops").mkdir(parents=True)
    (root / "ansible_collections" / "harbor_ops" / "harbor").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(root))
    try:
        import importlib
        yield lambda name: importlib.import_module("ansible_collections.harbor_ops.harbor.plugins.modules." + name)
    finally:
        sys.path.remove(str(root))


@pytest.fixture(scope="module", params=VERSIONS)
def fake(request):
    server = FakeHarbor(version=request.param, tls=True, admin_password=ADMIN_PASSWORD, auth_fail_delay=0.2).start()
    yield server
    server.stop()


@pytest.fixture
def run(fake, collection, capsys):
    """Run a module in-process against the fake; return its result and the write requests it sent."""
    from ansible.module_utils.testing import patch_module_args

    def run_module(name, args):
        before = len(fake.requests)
        params = dict(args, url=fake.url, username="admin", password=ADMIN_PASSWORD, ca_path=fake.ca_path)
        with patch_module_args(params):
            with pytest.raises(SystemExit):
                collection(name).main()
        result = json.loads(capsys.readouterr().out)
        writes = [entry for entry in fake.requests[before:] if entry["method"] in WRITE_METHODS]
        return result, writes

    return run_module


def apply_twice(fake, run, name, args, setup=()):
    """The property: created (changed) once, then unchanged with zero writes, and no contract violation."""
    fake.reset()
    for parent, parent_args in setup:
        result, _writes = run(parent, parent_args)
        assert not result.get("failed"), (parent, parent_args, result)
    first, writes = run(name, args)
    assert not first.get("failed"), (args, first)
    assert first["changed"] is True and writes, (args, first)
    second, writes = run(name, args)
    assert not second.get("failed"), (args, second)
    assert second["changed"] is False, (args, second.get("diff"), second)
    assert writes == [], (args, writes)
    assert fake.violations == [], fake.violations


# ------------------------------------------------------------------ valid values

def name_re(max_size=20):
    """Harbor's names: lower-case letters and digits separated by single '.', '_' or '-'."""
    return st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,6}){0,2}", fullmatch=True).filter(
        lambda text: len(text) <= max_size)


text = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc")), max_size=40)
PROJECT = "props"
REGISTRY = "props-hub"
PROJECT_SETUP = (("project", dict(name=PROJECT)),)
REGISTRY_SETUP = (("registry", dict(name=REGISTRY, type="docker-registry", endpoint_url="https://registry.example.com")),)

projects = st.fixed_dictionaries(dict(name=name_re()), optional=dict(
    public=st.booleans(), auto_scan=st.booleans(), prevent_vul=st.booleans(),
    severity=st.sampled_from(["none", "low", "medium", "high", "critical"]),
    reuse_sys_cve_allowlist=st.booleans(), enable_content_trust_cosign=st.booleans(),
    storage_quota=st.one_of(st.just("-1"), st.integers(1, 1023).map(lambda n: "%d%s" % (n, "MB")),
                            st.integers(1, 100).map(lambda n: "%dGB" % n)),
))
labels = st.fixed_dictionaries(dict(name=name_re()), optional=dict(
    description=text, color=st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)))
users = st.fixed_dictionaries(dict(
    name=name_re(), user_password=st.from_regex(r"[A-Z][a-z]{4}[0-9]{3}", fullmatch=True),
    email=name_re(12).map(lambda local: local + "@example.com"), realname=st.from_regex(r"[A-Za-z][A-Za-z ]{0,20}", fullmatch=True)),
    optional=dict(comment=text, sysadmin=st.booleans()))
registries = st.fixed_dictionaries(dict(
    name=name_re(), type=st.sampled_from(["docker-registry", "harbor", "docker-hub"])), optional=dict(
    description=text, insecure=st.booleans())).map(
    lambda args: dict(args, endpoint_url=dict(
        [("docker-hub", "https://hub.docker.com")]).get(args["type"], "https://%s.example.com" % args["name"])))
EVENTS = ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "SCANNING_COMPLETED", "QUOTA_EXCEED"]
webhooks = st.fixed_dictionaries(dict(
    project=st.just(PROJECT), name=name_re(),
    event_types=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=3, unique=True),
    targets=st.lists(st.fixed_dictionaries(dict(address=name_re(10).map(
        lambda host: "https://%s.example.com/hook" % host)), optional=dict(skip_cert_verify=st.booleans())),
        min_size=1, max_size=1)), optional=dict(description=text, enabled=st.booleans()))
robots = st.fixed_dictionaries(dict(
    name=name_re(), project=st.just(PROJECT),
    permissions=st.lists(st.sampled_from([dict(resource="repository", actions=["pull"]),
                                          dict(resource="repository", actions=["pull", "push"]),
                                          dict(resource="artifact", actions=["read"])]),
                         min_size=1, max_size=1), duration=st.sampled_from([-1, 30, 90])),
    optional=dict(description=text))
PATTERNS = st.sampled_from(["**", "v*", "release-*", "{latest,stable}", "app/**"])
tag_rules = st.fixed_dictionaries(dict(project=st.just(PROJECT), tags=PATTERNS), optional=dict(
    repositories=PATTERNS, tag_decoration=st.sampled_from(["matches", "excludes"]),
    repository_decoration=st.sampled_from(["matches", "excludes"])))
RETENTION_RULES = st.one_of(
    st.fixed_dictionaries(dict(template=st.sampled_from(["latestPushedK", "latestPulledN"]), count=st.integers(1, 50)),
                          optional=dict(tags=PATTERNS, untagged=st.booleans())),
    st.fixed_dictionaries(dict(template=st.sampled_from(["nDaysSinceLastPush", "nDaysSinceLastPull"]),
                               days=st.integers(1, 365)), optional=dict(repositories=PATTERNS)),
    st.just(dict(template="always")),
)
retentions = st.fixed_dictionaries(
    dict(project=st.just(PROJECT),
         rules=st.lists(RETENTION_RULES, min_size=1, max_size=3,
                        unique_by=lambda rule: rule["template"])),  # Harbor refuses twins
    optional=dict(schedule=st.sampled_from(["0 0 3 * * *", "0 30 1 * * 0"])))
replications = st.fixed_dictionaries(dict(name=name_re(), dest_registry=st.just(REGISTRY)), optional=dict(
    description=text, override=st.booleans(), enabled=st.booleans(),
    trigger=st.sampled_from(["manual", "event_based"]),
    filters=st.lists(st.sampled_from([dict(type="name", value="library/**"), dict(type="tag", value="v*")]),
                     min_size=1, max_size=2, unique_by=lambda f: f["type"]),
    speed=st.integers(-1, 10000)))

MODULES = dict(
    project=(projects, ()),
    label=(labels, ()),
    user=(users, ()),
    registry=(registries, ()),
    webhook_policy=(webhooks, PROJECT_SETUP),
    robot=(robots, PROJECT_SETUP),
    immutable_tag_rule=(tag_rules, PROJECT_SETUP),
    retention_policy=(retentions, PROJECT_SETUP),
    replication_policy=(replications, REGISTRY_SETUP),
)


@pytest.mark.parametrize("name", sorted(MODULES))
@PROFILE
@given(data=st.data())
def test_a_valid_object_applies_then_changes_nothing(fake, run, name, data):
    strategy, setup = MODULES[name]
    apply_twice(fake, run, name, data.draw(strategy, label=name), setup)


def unique(items, key="name"):
    seen, out = set(), []
    for item in items:
        if item[key] not in seen:
            seen.add(item[key])
            out.append(item)
    return out


models = st.fixed_dictionaries(dict(
    projects=st.lists(projects, min_size=1, max_size=3).map(unique),
), optional=dict(
    users=st.lists(users, min_size=1, max_size=2).map(unique),
    registries=st.lists(registries, min_size=1, max_size=2).map(unique),
    labels=st.lists(labels, min_size=1, max_size=2).map(unique),
)).flatmap(lambda model: st.tuples(st.just(model), st.lists(labels, max_size=2).map(unique),
                                   st.lists(tag_rules.map(lambda r: dict((k, v) for k, v in r.items() if k != "project")),
                                            max_size=2)))


def nested(drawn):
    model, project_labels, rules = drawn
    model = dict(model)
    first = dict(model["projects"][0])
    if project_labels:
        first["labels"] = project_labels
    rules = unique(rules, key="tags")
    if rules:
        first["immutable_tag_rules"] = [dict(rule, repositories=rule.get("repositories", "**")) for rule in rules]
    model["projects"] = [first] + model["projects"][1:]
    return model


@PROFILE
@given(model=models.map(nested))
def test_a_valid_model_reconciles_then_changes_nothing(fake, run, model):
    apply_twice(fake, run, "reconcile", dict(model=model))
