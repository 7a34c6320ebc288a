"""The secret scan of the integration suite (issue 15).

Every ``ansible-playbook`` run of the integration tests (test_targets.py at ``-vvv --diff``, the configure and
system-robot runs, check mode included) has its output searched for every secret of the run:

* what the fake Harbor was given or generated (``FakeHarbor.known_secrets()``), each with its kind, learned by
  ``track(fake)``: it watches ``State.remember_secret`` and names the kind by the fake resource that remembers the
  value (robots, users, registries, configurations with the key, ...);
* what the test itself hands the run (``given``): values a check-mode run never sends, or that a run refuses
  before any request.

``scan_files`` walks a test's temporary directory: a file that holds a secret must be one meant to hold it (the
extra-vars file, a robot secrets file, ...) and must be mode 0600.

The figures (runs, bytes, distinct secrets per kind, files, hits) are summed per process in ``FIGURES``; the
integration conftest hands a pytest-xdist worker's figures to the controller (``workeroutput``) and prints their
sum in the terminal summary. Secrets themselves never leave the process: distinct secrets are counted by digest,
and a failure shows the kind and the context of a hit with the secret cut out.
"""

import base64
import binascii
import fnmatch
import hashlib
import json
import os
import stat
import sys

ADMIN = "admin password"
ADMIN_BASIC = "admin Basic authorization"
ROBOT_DECLARED = "robot secret (declared)"
ROBOT_GENERATED = "robot secret (generated)"
REGISTRY = "registry credential (access_secret)"
OIDC = "OIDC client secret"
LDAP = "LDAP bind password"
USER = "user password"
WEBHOOK = "webhook auth header"
SCANNER = "scanner access credential"
#: the kinds issue 15 asks for: each must be scanned somewhere in the suite (the summary names a missing one)
REQUIRED_KINDS = (ADMIN, ROBOT_DECLARED, ROBOT_GENERATED, REGISTRY, OIDC, LDAP, USER, WEBHOOK, SCANNER)
UAA = "UAA client secret"
CLI_SECRET = "OIDC CLI secret"
LDAP_ENTRY = "LDAP directory password"
PREHEAT = "preheat credential"
VAULT = "vault password"
OTHER = "other"

CONFIG_KINDS = {"oidc_client_secret": OIDC, "ldap_search_password": LDAP, "uaa_client_secret": UAA}
MODULE_KINDS = {"registries": REGISTRY, "webhooks": WEBHOOK, "scanners": SCANNER, "preheat": PREHEAT}
MAX_FILE = 64 * 1024 * 1024  # bigger files (image layers) are not read

FIGURES = {"runs": 0, "check_runs": 0, "bytes": 0, "hits": 0, "files": 0, "secret_files": 0, "kinds": {}}


def _caller_kind(frame, value):
    """The kind of ``value``, remembered by the fake code of ``frame``."""
    module = frame.f_globals.get("__name__", "").rsplit(".", 1)[-1]
    function = frame.f_code.co_name
    local = frame.f_locals
    if module == "configurations":
        return CONFIG_KINDS.get(local.get("key"), OTHER)
    if module == "robots":
        declared = function == "refresh_secret" and local.get("wanted") == value
        return ROBOT_DECLARED if declared else ROBOT_GENERATED
    if module == "users":
        return CLI_SECRET if function == "set_cli_secret" else USER
    if module == "ldap":
        return LDAP if function == "ping_ldap" else LDAP_ENTRY
    return MODULE_KINDS.get(module, OTHER)


NAME_KINDS = (("ldap", LDAP), ("oidc", OIDC), ("uaa", UAA), ("robot", ROBOT_DECLARED), ("deploy", ROBOT_DECLARED),
              ("webhook", WEBHOOK), ("auth_header", WEBHOOK), ("scanner", SCANNER), ("credential", SCANNER),
              ("registry", REGISTRY), ("replication", REGISTRY), ("ecr", REGISTRY), ("hub", REGISTRY),
              ("access_secret", REGISTRY), ("admin", ADMIN), ("vault", VAULT), ("password", USER))


def kind_of_name(name):
    """The kind of a secret given by a test under the variable ``name`` (configuration_ldap_password, ...)."""
    name = name.lower()
    return next((kind for word, kind in NAME_KINDS if word in name), OTHER)


SECRET_WORDS = ("secret", "password", "token", "credential", "auth_header")
# names that say secret but hold none: where a secret goes (harbor_robot_secrets_file), its type, when to send it
NOT_SECRET_SUFFIXES = ("_file", "_path", "_dir", "_type")
NOT_SECRET_PREFIXES = ("update_", "refresh_")


def named_secrets(data, name=""):
    """{secret: kind} of every string in ``data`` (vars as YAML or JSON loads them) under a name that says secret,
    password, token, credential or auth_header; Jinja2 expressions (vault placeholders) and the paths of secret files
    and the like (``*_file``, ``*_type``, ``update_*``, ...) are left out."""
    found = {}
    if isinstance(data, dict):
        for key, item in data.items():
            found.update(named_secrets(item, str(key)))
    elif isinstance(data, list):
        for item in data:
            found.update(named_secrets(item, name))
    elif isinstance(data, str) and data and "{{" not in data and any(word in name.lower() for word in SECRET_WORDS) \
            and not name.lower().endswith(NOT_SECRET_SUFFIXES) and not name.lower().startswith(NOT_SECRET_PREFIXES):
        found[data] = kind_of_name(name)
    return found


def track(fake):
    """Name the kind of every secret the fake remembers from now on (call it after each ``start``/``reset``)."""
    state = fake.state
    if getattr(state, "_secret_scan_kinds", None) is not None:
        return
    kinds = {}
    remember = state.remember_secret

    def remember_and_classify(value):
        if isinstance(value, str) and value and value not in kinds:
            kinds[value] = _caller_kind(sys._getframe(1), value)
        return remember(value)

    state._secret_scan_kinds = kinds
    state.remember_secret = remember_and_classify


def known(fake, given=None):
    """{secret: kind} of the fake's ``known_secrets()`` and of ``given`` ({secret: kind}, what the test passed)."""
    secrets = {}
    with fake.lock:
        kinds = dict(getattr(fake.state, "_secret_scan_kinds", None) or {})
        seeded = dict((value, CONFIG_KINDS.get(key, OTHER)) for key, value in fake.options.config.items()
                      if isinstance(value, str))
    for value in fake.known_secrets():
        if not value:
            continue
        if value == fake.options.admin_password:
            secrets[value] = ADMIN
        else:
            secrets[value] = kinds.get(value) or seeded.get(value) or OTHER
    for value, kind in (given or {}).items():
        if value and secrets.get(value, OTHER) == OTHER:
            secrets[value] = kind
    return secrets


def needles(secret):
    """The strings that give ``secret`` away: itself, JSON-escaped, and a header's credential without its scheme
    (``Bearer <token>``; ``Basic <base64>`` also as the decoded ``user:password`` and password)."""
    found = {secret, json.dumps(secret)[1:-1]}
    scheme, _space, credential = secret.partition(" ")
    if credential and scheme.lower() in ("bearer", "basic", "token", "apikey") and len(credential) >= 8:
        found.add(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            password = decoded.partition(":")[2]
            found.update(text for text in (decoded, password) if len(text) >= 6)
    return found


def _context(text, start, length):
    before = text[max(0, start - 60):start].replace("\n", "\\n")
    after = text[start + length:start + length + 60].replace("\n", "\\n")
    return "...%s<SECRET>%s..." % (before, after)


def _count(secrets):
    for value, kind in secrets.items():
        FIGURES["kinds"].setdefault(kind, set()).add(hashlib.sha256(value.encode("utf-8")).hexdigest())


def scan_output(output, secrets, check_mode=False, record=True):
    """Every hit of a secret of ``secrets`` ({secret: kind}) in ``output``: ["<kind>: <context>", ...]. Counted in
    FIGURES unless ``record`` is false (a second look at an output already counted)."""
    hits = []
    for secret, kind in sorted(secrets.items(), key=lambda item: item[1]):
        for needle in needles(secret):
            index = output.find(needle)
            if index >= 0:
                hits.append("%s: %s" % (kind, _context(output, index, len(needle))))
                break
    if not record:
        return hits
    FIGURES["runs"] += 1
    FIGURES["check_runs"] += 1 if check_mode else 0
    FIGURES["bytes"] += len(output.encode("utf-8", "replace"))
    FIGURES["hits"] += len(hits)
    _count(secrets)
    return hits


def scan_files(root, secrets, intended=(), record=True):
    """Problems with the files under ``root`` that hold a secret of ``secrets``: each must match a pattern of
    ``intended`` (relative paths, fnmatch) and be mode 0600. Symbolic links are not followed. Counted in FIGURES
    unless ``record`` is false."""
    figures = FIGURES if record else {"files": 0, "secret_files": 0, "hits": 0}
    problems = []
    root = str(root)
    encoded = dict((needle.encode("utf-8"), kind) for secret, kind in secrets.items() for needle in needles(secret))
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
                continue
            figures["files"] += 1
            with open(path, "rb") as stream:
                data = stream.read()
            kinds = sorted(set(kind for needle, kind in encoded.items() if needle in data))
            if not kinds:
                continue
            figures["secret_files"] += 1
            relative = os.path.relpath(path, root)
            mode = stat.S_IMODE(info.st_mode)
            if not any(fnmatch.fnmatch(relative, pattern) for pattern in intended):
                problems.append("%s (mode %04o) holds %s but is not meant to hold secrets" % (
                    relative, mode, ", ".join(kinds)))
            elif mode != 0o600:
                problems.append("%s holds %s with mode %04o, not 0600" % (relative, ", ".join(kinds), mode))
    figures["hits"] += len(problems)
    return problems


def check(output, secrets, tmp_path=None, intended=(), check_mode=False, what="the -vvv output"):
    """Fail the test if a secret is in ``output`` or in a file of ``tmp_path`` that is not an intended 0600 one."""
    hits = scan_output(output, secrets, check_mode=check_mode)
    assert not hits, "secrets in %s: %d of %d known secrets leaked:\n%s" % (
        what, len(hits), len(secrets), "\n".join(hits))
    if tmp_path is not None:
        problems = scan_files(tmp_path, secrets, intended)
        assert not problems, "files holding secrets:\n" + "\n".join(problems)


# ---------------------------------------------------------------- figures across pytest-xdist workers

def exported():
    """FIGURES as JSON-able data (distinct secrets as digests)."""
    data = dict((key, value) for key, value in FIGURES.items() if key != "kinds")
    data["kinds"] = dict((kind, sorted(digests)) for kind, digests in FIGURES["kinds"].items())
    return data


def merge(data):
    """Add a worker's ``exported()`` figures to this process's."""
    for key, value in data.items():
        if key == "kinds":
            for kind, digests in value.items():
                FIGURES["kinds"].setdefault(kind, set()).update(digests)
        else:
            FIGURES[key] = FIGURES.get(key, 0) + value


def summary_lines():
    if not FIGURES["runs"]:
        return []
    lines = ["secret scan: %d ansible-playbook runs scanned (%d of them whole --check runs), %s bytes of output, %d files in "
             "tmp dirs (%d holding secrets), hits: %d" % (
                 FIGURES["runs"], FIGURES["check_runs"], format(FIGURES["bytes"], ","), FIGURES["files"],
                 FIGURES["secret_files"], FIGURES["hits"])]
    kinds = FIGURES["kinds"]
    lines.append("secret scan: distinct secrets checked per kind: " + ", ".join(
        "%s %d" % (kind, len(kinds[kind])) for kind in sorted(kinds)))
    missing = [kind for kind in REQUIRED_KINDS if not kinds.get(kind)]
    if missing:
        lines.append("secret scan: kinds never scanned in this session: " + ", ".join(missing))
    return lines
