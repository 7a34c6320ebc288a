"""Every role documents exactly its public variables: meta/argument_specs.yml against defaults/main.yml.

For each role under roles/, the options of the ``main`` entry point must be exactly the keys of
defaults/main.yml, each with the same default (an option without ``default`` stands for null), and a
default must have the option's declared type.
"""

from pathlib import Path

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks").is_dir()) if ROLES_DIR.is_dir() else []

TYPES = {
    "str": str,
    "int": int,
    "bool": bool,
    "float": (int, float),
    "list": list,
    "dict": dict,
    "path": str,
    "raw": object,
}


def _load(path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _defaults(role):
    path = ROLES_DIR / role / "defaults" / "main.yml"
    return (_load(path) or {}) if path.is_file() else {}


def _options(role):
    path = ROLES_DIR / role / "meta" / "argument_specs.yml"
    assert path.is_file(), f"roles/{role} has no meta/argument_specs.yml"
    specs = _load(path)["argument_specs"]
    assert "main" in specs, f"roles/{role}/meta/argument_specs.yml has no main entry point"
    return specs["main"].get("options") or {}


pytestmark = pytest.mark.skipif(not ROLES, reason="no roles yet")


@pytest.mark.parametrize("role", ROLES)
def test_options_are_the_defaults(role):
    defaults, options = _defaults(role), _options(role)
    assert not sorted(set(defaults) - set(options)), f"roles/{role}: in defaults/main.yml but not in argument_specs"
    assert not sorted(set(options) - set(defaults)), f"roles/{role}: in argument_specs but not in defaults/main.yml"


@pytest.mark.parametrize("role", ROLES)
def test_defaults_are_identical(role):
    defaults, options = _defaults(role), _options(role)
    differ = {
        name: {"defaults/main.yml": defaults[name], "argument_specs": spec.get("default")}
        for name, spec in options.items()
        # same value and same type (true is not 1)
        if name in defaults and (spec.get("default") != defaults[name] or type(spec.get("default")) is not type(defaults[name]))
    }
    assert not differ, f"roles/{role}: defaults differ: {differ}"


@pytest.mark.parametrize("role", ROLES)
def test_options_are_documented_and_typed(role):
    for name, spec in _options(role).items():
        assert spec.get("description"), f"roles/{role}: {name} has no description"
        assert spec.get("type") in TYPES, f"roles/{role}: {name} has type {spec.get('type')!r}"
        default = spec.get("default")
        if default is not None and spec["type"] != "raw":
            wanted = TYPES[spec["type"]]
            # bool is an int in Python; an int option must not default to true/false
            assert isinstance(default, wanted) and not (spec["type"] == "int" and isinstance(default, bool)), (
                f"roles/{role}: {name} defaults to {default!r}, not a {spec['type']}"
            )


@pytest.mark.parametrize("role", ROLES)
def test_public_variables_carry_the_role_prefix(role):
    prefix = f"{role}_"
    wrong = sorted(name for name in _defaults(role) if not name.startswith(prefix))
    assert not wrong, f"roles/{role}: defaults without the {prefix} prefix: {wrong}"
