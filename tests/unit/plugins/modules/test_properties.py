# -*- coding: utf-8 -*-
"""Property-based tests (issue 15): every module refuses invalid input with one clear message and no request.

For every module in plugins/modules, its argument spec is read the way the module builds it (its ``main()`` is run
up to ``AnsibleModule.__init__``, which receives the whole spec, connection options included). Hypothesis then
derives invalid input from the spec - at the top level and inside suboptions, lists of dicts included:

* a value of the wrong type that cannot be coerced (``int``, ``float``, ``bool``, ``list``, ``dict`` options);
* a string outside ``choices`` (and a list item outside the choices of a list);
* an unknown option (and an unknown key of a dict suboption);
* an integer beyond int64 for every ``int`` option, also as a string or float Ansible would convert;
* a malformed URL for the URL-like options (``url``, ``endpoint_url``, ``address``, ``adapter_url``, ``ldap.url``, ...);
* a required option (or required suboption) left out.

Bad values are often huge (70 kB). The property: the module fails with a ``msg`` of one line, under 600
characters, naming what is wrong, with no traceback, and sends no request (``responses`` has nothing registered).
The same faults in an item of ``reconcile`` (the bulk path validates each item with its module's spec) fail the
same way. Examples are derandomized, so CI is deterministic; HARBOR_HYPOTHESIS_EXAMPLES raises the counts.
"""

from __future__ import annotations

import copy
import importlib
import os
import pkgutil

from unittest import mock

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible.module_utils import basic
from ansible.module_utils.parsing.convert_bool import BOOLEANS

from ansible_collections.harbor_ops.harbor.plugins import modules as modules_package
from ansible_collections.harbor_ops.harbor.plugins.module_utils._bulk import BY_NAME
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HARBOR_COMMON_ARGS, HarborClient
from ansible_collections.harbor_ops.harbor.plugins.modules import reconcile

EXAMPLES = int(os.environ.get("HARBOR_HYPOTHESIS_EXAMPLES", "0"))
MAX_MESSAGE = 600
HUGE = 70000


def profile(examples):
    return settings(max_examples=max(examples, EXAMPLES), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# ------------------------------------------------------------------ the modules and their specs

class _Spec(Exception):
    pass


def _spec_of(module):
    """The argument spec and keyword arguments that ``module.main()`` gives AnsibleModule."""
    def capture(self, argument_spec, **kwargs):
        raise _Spec(argument_spec, kwargs)
    with mock.patch.object(basic.AnsibleModule, "__init__", capture):
        try:
            module.main()
        except _Spec as spec:
            return spec.args
    raise AssertionError("%s.main() did not build an AnsibleModule" % module.__name__)


MODULES = dict((info.name, importlib.import_module("%s.%s" % (modules_package.__name__, info.name)))
               for info in pkgutil.iter_modules(modules_package.__path__))
SPECS = dict((name, _spec_of(module)) for name, module in MODULES.items())

# Per module: the smallest arguments that pass every check (test_the_base_arguments_are_valid), so that the one
# fault injected into them is what fails.
BASE = dict(
    configuration={},
    cve_allowlist=dict(cves=["CVE-2024-0001"]),
    export={},
    gc=dict(schedule="Daily"),
    health_info={},
    immutable_tag_rule=dict(project="p1", tags="v*"),
    label=dict(name="l1"),
    project=dict(name="p1"),
    project_info={},
    project_member=dict(project="p1", user="u1", role="developer"),
    purge_audit=dict(schedule="Daily", retention_hours=168, event_types=["create"]),
    reconcile=dict(objects=dict(project=[dict(name="p1")])),
    registry=dict(name="r1", type="docker-hub", endpoint_url="https://hub.docker.com"),
    registry_info={},
    replication_policy=dict(name="rp1", dest_registry="r1"),
    replication_policy_info={},
    replication_run=dict(policy="rp1"),
    retention_policy=dict(project="p1", rules=[dict(template="always")]),
    retention_policy_info=dict(project="p1"),
    retention_run=dict(project="p1"),
    robot=dict(name="r1", project="p1", permissions=[dict(resource="repository", actions=["pull"])]),
    robot_info={},
    scan=dict(project="p1", repository="app", tag="v1"),
    scan_all=dict(schedule="Daily"),
    scanner=dict(name="s1", adapter_url="http://trivy.example.com:8080"),
    system_info={},
    user=dict(name="u1", email="u1@example.com", realname="U One", user_password="Secret123"),
    user_group=dict(name="g1", type="http"),
    user_info={},
    vulnerability_info=dict(project="p1", repository="app", tag="v1"),
    webhook_policy=dict(project="p1", name="w1", event_types=["PUSH_ARTIFACT"],
                        targets=[dict(address="https://hooks.example.com/harbor")]),
    webhook_policy_info=dict(project="p1"),
)
# A valid item of a list of dicts (or a dict) option, for faults inside it: (module, option path) -> item
ELEMENTS = {
    ("replication_policy", ("filters",)): dict(type="name", value="app/**"),
    ("retention_policy", ("rules",)): dict(template="always"),
    ("robot", ("permissions",)): dict(resource="repository", actions=["pull"]),
    ("robot", ("permissions", "access")): dict(resource="repository", actions=["pull"]),
    ("webhook_policy", ("targets",)): dict(address="https://hooks.example.com/harbor"),
    ("configuration", ("banner_message",)): dict(text="maintenance tonight"),
}
# URL-like options by path (a malformed URL must be refused before any request)
URL_OPTIONS = {
    "*": [("url",)],
    "registry": [("endpoint_url",)],
    "scanner": [("adapter_url",)],
    "webhook_policy": [("targets", "address")],
    "configuration": [("ldap", "url"), ("oidc", "endpoint"), ("uaa", "endpoint"), ("http_authproxy", "endpoint"),
                      ("http_authproxy", "tokenreview_endpoint")],
}
CONNECTION_OPTIONS = set(HARBOR_COMMON_ARGS)


def walk(spec, prefix=()):
    """(path, option) of every option of ``spec`` and of its suboptions."""
    for name, option in sorted(spec.items()):
        yield prefix + (name,), option
        if option.get("options"):
            yield from walk(option["options"], prefix + (name,))


def option_at(spec, path):
    option = None
    for name in path:
        option = spec[name]
        spec = option.get("options") or {}
    return option


def place(module, spec, args, path, value=None, remove=False):
    """``args`` with ``value`` at ``path`` (containers on the way made from ``BASE``/``ELEMENTS``), or removed."""
    args = copy.deepcopy(args)
    target = args
    for depth, name in enumerate(path[:-1]):
        option = spec[name]
        element = copy.deepcopy(ELEMENTS.get((module, path[:depth + 1]), {}))
        if option["type"] == "list":
            if not isinstance(target.get(name), list) or not target[name]:
                target[name] = [element]
            target = target[name][0]
        else:
            if not isinstance(target.get(name), dict):
                target[name] = element
            target = target[name]
        spec = option["options"]
    if remove:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return args


# ------------------------------------------------------------------ values

small_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
# a huge value: 70 kB or more, from any text (spaces, quotes and non-ASCII included)
huge_text = small_text.map(lambda text: (text or "x") * (HUGE // max(len(text), 1) + 1))
words = st.from_regex(r"[A-Za-z][A-Za-z0-9 _.-]{0,20}", fullmatch=True)


def not_boolean(text):
    return text.strip().lower() not in BOOLEANS


def not_number(text):
    try:
        float(text)
    except ValueError:
        return "inf" not in text.lower() and "nan" not in text.lower()
    return False


WRONG = dict(
    int=st.one_of(words.filter(not_number), huge_text.filter(not_number), st.dictionaries(words, words, min_size=1),
                  st.lists(st.integers(), min_size=1), st.just(1.5)),
    float=st.one_of(words.filter(not_number), st.dictionaries(words, words, min_size=1)),
    bool=st.one_of(words.filter(not_boolean), huge_text.filter(not_boolean), st.integers(2, 10 ** 6),
                   st.lists(st.booleans(), min_size=1), st.dictionaries(words, words, min_size=1)),
    list=st.dictionaries(words, words, min_size=1),
    dict=st.one_of(words.filter(lambda text: "=" not in text), st.integers(), st.booleans(), st.floats(),
                   st.lists(st.integers(), min_size=1)),
)
BEYOND_INT64 = st.one_of(st.integers(min_value=2 ** 63, max_value=2 ** 512),
                         st.integers(min_value=-(2 ** 512), max_value=-(2 ** 63) - 1),
                         st.integers(min_value=2 ** 63, max_value=2 ** 200).map(str),
                         st.sampled_from(["1e19", "9.3e18", "-1e40", "1e100000", "inf", "-Infinity", "9" * HUGE,
                                          float("inf"), float("-inf"), 1e300]))
MALFORMED_URLS = st.one_of(
    st.sampled_from(["https://[x", "https://h:abc", "https://h:99999", "https://h:0", "ftp://harbor.example.com",
                     "://harbor.example.com", "https://", "https:///path", "harbor.example.com", "https://:443",
                     "https://" + "a" * HUGE + ".example.com", "https://%s.example.com" % ("b" * 64),
                     "ldap:/x", "mailto:x@example.com", " ", "https://[::1"]),
    words.filter(lambda text: "://" not in text).map(lambda text: "https://[" + text),
    words.map(lambda text: "https://h:" + text.replace(" ", "") + "x"),
    huge_text.map(lambda text: "https://" + text.replace("/", "").replace("?", "").replace("#", "")),
)


# ------------------------------------------------------------------ faults

def faults(name):
    """A strategy of (args, words one of which the message must contain) for one invalid input of ``name``."""
    spec, kwargs = SPECS[name]
    base = BASE[name]
    options = list(walk(spec))
    strategies = []

    wrong = [(path, option) for path, option in options if option.get("type", "str") in WRONG]
    if wrong:
        strategies.append(st.sampled_from(wrong).flatmap(lambda po: WRONG[po[1].get("type", "str")].map(
            lambda value, po=po: (place(name, spec, base, po[0], value), [po[0][-1]]))))

    chosen = [(path, option) for path, option in options if option.get("choices")]
    if chosen:
        def bad_choice(po):
            path, option = po
            values = st.one_of(small_text, huge_text).filter(lambda value: value not in option["choices"])
            if option.get("type") == "list":
                values = values.map(lambda value: [value])
            return values.map(lambda value: (place(name, spec, base, path, value), [path[-1]]))
        strategies.append(st.sampled_from(chosen).flatmap(bad_choice))

    containers = [()] + [path for path, option in options
                         if option.get("options") and (option.get("type") == "dict" or option.get("elements") == "dict")]

    def unknown(container):
        known = set()
        level = option_at(spec, container)["options"] if container else spec
        for key, option in level.items():
            known.update([key] + list(option.get("aliases") or ()))
        keys = st.one_of(words, small_text, huge_text).filter(
            lambda key: key and key not in known and not key.startswith("_"))
        return keys.map(lambda key: (place(name, spec, base, container + (key,), "x"),
                                     ["Unsupported parameters", "unknown key"]))
    strategies.append(st.sampled_from(containers).flatmap(unknown))

    ints = [path for path, option in options if option.get("type") == "int"]
    if ints:
        strategies.append(st.sampled_from(ints).flatmap(lambda path: BEYOND_INT64.map(
            lambda value, path=path: (place(name, spec, base, path, value), [path[-1]]))))

    urls = [path for path in URL_OPTIONS["*"] + URL_OPTIONS.get(name, []) if option_at(spec, path) is not None]
    strategies.append(st.sampled_from(urls).flatmap(lambda path: MALFORMED_URLS.map(
        lambda value, path=path: (place(name, spec, base, path, value), [path[-1]]))))

    required = [path for path, option in options if option.get("required") and path[0] not in CONNECTION_OPTIONS
                and (len(path) == 1 or (name, path[:-1]) in ELEMENTS)]
    if required:
        strategies.append(st.sampled_from(required).map(
            lambda path: (place(name, spec, base, path, remove=True), [path[-1]])))
    return st.one_of(strategies)


def check_failure(result, expected, harbor):
    msg = result.get("msg")
    assert result.get("failed") is True, result
    assert isinstance(msg, str) and msg.strip(), result
    assert "exception" not in result and "Traceback" not in msg, result
    assert len(msg) < MAX_MESSAGE, (len(msg), msg[:1000])  # a huge value is cut
    # ansible-core 2.21 logs the arguments to syslog before the module sees them: a NUL character in any of them
    # stops the module there, with ansible-core's own clear message (still no request)
    stopped_by_core = msg.startswith("Failed to log to syslog (embedded null character)")
    assert stopped_by_core or any(word in msg for word in expected), (expected, msg[:1000])
    assert len(harbor.calls) == 0, [call.request.url for call in harbor.calls]


# ------------------------------------------------------------------ the properties

@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """A request that does get sent fails at once (no retry delays): a failing example shrinks fast."""
    monkeypatch.setattr(HarborClient, "_delay", lambda self, attempt, resp=None: 0)


def test_every_module_is_covered():
    assert sorted(BASE) == sorted(MODULES)
    assert len(MODULES) >= 30


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_base_arguments_are_valid(run_module, harbor, name):
    """The base arguments pass every check: the module goes on to ask Harbor (which answers nothing here)."""
    result = run_module(MODULES[name], BASE[name])
    assert len(harbor.calls) >= 1, result


@pytest.mark.parametrize("name", sorted(MODULES))
@profile(40)
@given(data=st.data())
def test_invalid_input_is_one_clear_error_without_a_request(run_module, harbor, name, data):
    args, expected = data.draw(faults(name), label="fault")
    check_failure(run_module(MODULES[name], args), expected, harbor)


KINDS = sorted(name for name in BY_NAME if name in MODULES)


@pytest.mark.parametrize("kind", KINDS)
@profile(25)
@given(data=st.data())
def test_invalid_items_of_reconcile_fail_before_any_request(run_module, harbor, kind, data):
    """The bulk path validates each item with its module's options: the same faults fail the same way."""
    args, expected = data.draw(faults(kind).filter(
        lambda fault: not set(fault[0]) & CONNECTION_OPTIONS - set(BASE[kind])), label="fault")
    item = dict((key, value) for key, value in args.items() if key not in CONNECTION_OPTIONS)
    result = run_module(reconcile, dict(objects={kind: [item]}))
    check_failure(result, expected, harbor)
    assert result["msg"].startswith("the model is not valid (nothing was sent to Harbor)"), result["msg"]
    assert all(len(problem) < MAX_MESSAGE for problem in result.get("problems", []))


@profile(40)
@given(model=st.one_of(
    st.dictionaries(st.one_of(words, huge_text).filter(lambda kind: kind not in BY_NAME), st.just([]),
                    min_size=1, max_size=8),
    st.dictionaries(
        st.sampled_from(sorted(BY_NAME)),
        st.one_of(st.integers(), words, huge_text, st.just(True), st.dictionaries(words, words, min_size=1),
                  st.lists(st.one_of(st.integers(), words, huge_text, st.lists(words, min_size=1)),
                           min_size=1, max_size=1)),
        min_size=1, max_size=1),
))
def test_a_malformed_objects_argument_fails_before_any_request(run_module, harbor, model):
    """``objects`` is kind -> list of dicts: unknown kinds, or a kind that is not a list of dicts, are refused."""
    result = run_module(reconcile, dict(objects=model))
    check_failure(result, ["unknown kind", "give a list of items", "an item must be a dict", "is one object"], harbor)
