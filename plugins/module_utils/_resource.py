# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The one base class for idempotent Harbor REST resources.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

A module declares its options and five small methods; ``HarborResource.reconcile`` owns the rest:

* ``find()``      the current object in API shape, or None (reads only);
* ``desired()``   the desired object in API shape, built from the options the user set (None = unmanaged);
* ``create(desired)`` / ``update(current, changes)`` / ``delete(current)`` the writes; ``create`` and
  ``update`` return the object as read back from Harbor.

The engine compares ``desired`` with ``current`` (only the keys the user set, recursively), writes only on a
difference and sends only what changed, never writes in check mode, returns an exact ``changed``, a ``diff``
with secrets masked, and treats ``state=absent`` on a missing object as unchanged.
"""

from __future__ import annotations

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import (
    HARBOR_COMMON_ARGS,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HarborClient,
    HarborError,
    check_connection,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import brief, check_int64, check_shapes

MASK = "********"


def is_empty(value):
    """Is ``value`` one that Harbor leaves out of its answers (``""``, ``0``, ``false``, ``[]``, ``{}`` or null)?"""
    if value is None or value is False:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    return value in ("", [], {})


def equivalent(want, have):
    """Do two values say the same, reading a missing or null value as the zero value it stands for?

    Harbor's Go server leaves empty values out of its JSON (``omitempty``): a registry with ``insecure: false``
    comes back without ``insecure``, a label without a description without ``description``. So ``None`` (an
    omitted key) equals ``""``, ``0``, ``false``, ``[]`` and ``{}``; dicts compare key by key over both sides'
    keys, lists item by item (in order: resources put lists in a canonical order when order does not matter).
    """
    if want is None or have is None:
        return is_empty(want) and is_empty(have) or want == have
    if isinstance(want, dict) and isinstance(have, dict):
        return all(equivalent(want.get(key), have.get(key)) for key in set(want) | set(have))
    if isinstance(want, list) and isinstance(have, list):
        return len(want) == len(have) and all(equivalent(w, h) for w, h in zip(want, have))
    if isinstance(want, bool) != isinstance(have, bool):
        return False  # 0 == False in Python, not in JSON
    return want == have


def differences(desired, current):
    """The part of ``desired`` that ``current`` does not already have (recursively for dicts).

    Keys absent from ``desired`` are not compared (the user does not manage them). A dict value is compared key by
    key; every other value with ``equivalent``: a key that Harbor left out of ``current`` counts as its zero value,
    so ``description: ""`` or ``enabled: false`` match an answer without them. This is the one place that knows
    about Harbor's ``omitempty``; resources never fill in omitted keys themselves.
    """
    changes = {}
    current = current or {}
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, (dict, type(None))):
            sub = differences(want, have or {})
            if sub:
                changes[key] = sub if have is not None else copy.deepcopy(want)
        elif not equivalent(want, have):
            changes[key] = copy.deepcopy(want)
    return changes


def merge(current, changes):
    """``current`` with ``changes`` applied (recursively for dicts), as a new object."""
    result = copy.deepcopy(current or {})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def zero_like(value):
    """The zero value of ``value``'s JSON type: what an omitted key stands for (``""``, ``0``, ``false``, ...)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 0
    if isinstance(value, str):
        return ""
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return dict((key, zero_like(item)) for key, item in value.items())
    return None


def restrict(obj, shape, write_only=()):
    """The keys of ``obj`` that ``shape`` has (recursively for dicts); used for a focused diff.

    A key that Harbor left out of ``obj`` (omitempty) is shown with the zero value it stands for, except the
    ``write_only`` keys (secrets Harbor never returns: not empty, just unknown), which stay out.
    """
    result = {}
    obj = obj or {}
    for key, value in shape.items():
        have = obj.get(key)
        if key not in obj:
            if key not in write_only:
                result[key] = zero_like(value)
        elif have is None:
            result[key] = None
        elif isinstance(value, dict) and isinstance(have, dict):
            result[key] = restrict(have, value, write_only)
        else:
            result[key] = copy.deepcopy(have)
    return result


def complete(obj, shape):
    """``obj`` with the keys of ``shape`` that Harbor left out of its answer (omitempty) filled in.

    ``shape`` maps a key to the value an omitted key stands for (``{"enabled": False, "description": ""}``); a dict
    value completes a nested object, a one-item list ``[{...}]`` completes every item of a list (an omitted list
    becomes ``[]``). Results and facts then carry every documented key, as on a Harbor that sent them all.
    """
    if not isinstance(obj, dict):
        return obj
    result = dict(obj)
    for key, default in shape.items():
        have = result.get(key)
        if isinstance(default, list):
            item_shape = default[0] if default else {}
            result[key] = [complete(item, item_shape) for item in have] if isinstance(have, list) else (
                [] if have is None else have)
        elif isinstance(default, dict):
            result[key] = complete(have if isinstance(have, dict) else {}, default) if have is None or isinstance(
                have, dict) else have
        elif have is None:
            result[key] = copy.deepcopy(default)
    return result


def mask(obj, secret_keys, shown=MASK):
    """A copy of ``obj`` with the value of every key named in ``secret_keys`` replaced by ``shown`` (a mask)."""
    if isinstance(obj, dict):
        return dict((k, shown if k in secret_keys and v not in (None, "") else mask(v, secret_keys, shown))
                    for k, v in obj.items())
    if isinstance(obj, list):
        return [mask(item, secret_keys, shown) for item in obj]
    return obj


def bool_string(value):
    """Harbor stores project metadata flags as the strings "true"/"false"."""
    return None if value is None else ("true" if value else "false")


def version_text(version):
    return ".".join(str(part) for part in version)


def option_value(params, path):
    """The value of an option given by its path (``oidc.logout`` is ``params["oidc"]["logout"]``), or None."""
    value = params
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


# what a module may need to exist, and the module that creates it (HarborAction.missing_reference)
CREATED_BY = {"project": "harbor_ops.harbor.project", "projects": "harbor_ops.harbor.project",
              "user group": "harbor_ops.harbor.user_group", "registry endpoint": "harbor_ops.harbor.registry"}


class HarborModule(AnsibleModule):
    """AnsibleModule with Harbor's connection options, a checked ``url`` and a ``client``."""

    def __init__(self, argument_spec, **kwargs):
        spec = copy.deepcopy(HARBOR_COMMON_ARGS)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super(HarborModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        problem = check_connection(self.params)
        if problem:
            self.fail_json(msg=problem)
        self.client = HarborClient.from_params(self.params)
        if not self.params["validate_certs"]:
            # once per task (urllib3 would warn on every request, unseen): the connection can be intercepted
            self.warn("validate_certs=false: Harbor's TLS certificate is not verified, so the credentials can be "
                      "intercepted; use ca_path with the CA that signed it instead, outside test systems")

    def _set_internal_properties(self, *args, **kwargs):
        # runs once the parameters are loaded, before Ansible's own argument check (which cannot read them all)
        super(HarborModule, self)._set_internal_properties(*args, **kwargs)
        problem = check_shapes(self.argument_spec, self.params)
        if problem:
            self.fail_json(msg=problem)

    def fail_json(self, msg, **kwargs):
        """Fail with ``msg`` cut to one readable line: a huge option value is not repeated whole (see ``brief``)."""
        super(HarborModule, self).fail_json(msg=brief(msg, self.params, self.no_log_values), **kwargs)


class ActionFailed(Exception):
    """A module's own refusal (``HarborAction.fail``): reported by ``run_module``, or per item on the bulk path."""

    def __init__(self, msg, **extra):
        super(ActionFailed, self).__init__(msg)
        self.msg = msg
        self.extra = extra


class HarborAction(object):
    """What every module shares: options, the client, validation before any request, error reporting."""

    #: the module's own options (the connection options are added by HarborModule)
    module_args = {}
    #: extra AnsibleModule keyword arguments (mutually_exclusive, required_if, ...)
    module_kwargs = {}
    #: option name -> minimal Harbor version (tuple) that knows it
    option_min_versions = {}
    #: the documented keys of a returned object with the value Harbor's omitted key stands for (see ``complete``)
    returned_shape = {}

    def __init__(self, module, params=None):
        """``params``: the options of this object (a plain dict, as validated by ``bulk.validate_item``), or None
        for the module's own; the bulk path builds one action per object, all sharing one module and client."""
        self.module = module
        self.client = module.client
        self.params = module.params if params is None else params

    @classmethod
    def run_module(cls):
        """Entry point of a module: build it, validate the options, run, exit."""
        module = HarborModule(cls.module_args, **cls.module_kwargs)
        action = cls(module)
        try:
            # the module's own limits first (they say more), then Go's int64 for every int option
            problem = action.validate() or check_int64(module.argument_spec, module.params)
            if problem:
                module.fail_json(msg=problem)
            action.check_versions()
            module.exit_json(**action.execute())
        except ActionFailed as exc:
            module.fail_json(msg=exc.msg, **exc.extra)
        except HarborError as exc:
            module.fail_json(msg=exc.message, **exc.result())

    def validate(self):
        """Check the options without any request; return an error message or None."""
        return None

    def check_versions(self):
        """Refuse options that the connected Harbor does not know (the version is read once per run).

        An option inside a dict option is named by its path, for example ``oidc.logout``.
        """
        for option, minimum in self.option_min_versions.items():
            if option_value(self.params, option) is not None and self.client.version < minimum:
                self.fail("%s needs Harbor %s or later; %s runs %s"
                          % (option, version_text(minimum), self.client.base_url, self.client.version_text))

    def execute(self):
        raise NotImplementedError

    def fail(self, msg, **kwargs):
        """Stop with ``msg`` (and ``kwargs`` as extra result keys): the task fails, or on the bulk path the item."""
        raise ActionFailed(msg, **kwargs)

    def missing_reference(self, kind, name, where=""):
        """The ``kind`` (a key of ``CREATED_BY``) called ``name``, which this object needs, does not exist in Harbor.

        Outside check mode the task fails, naming the module that creates it. In check mode an earlier task of the
        same run would have created it (``--check`` of a playbook on an empty Harbor), so the object is planned as
        new, with a warning saying so. ``where`` names the option, for example ``dest_registry: ``.
        """
        message = "%s%s %s %s in Harbor at %s" % (where, kind, name, "do not exist" if kind.endswith("s") else
                                                  "does not exist", self.client.base_url)
        if not self.module.check_mode:
            self.fail("%s; create it first (%s)" % (message, CREATED_BY[kind]))
        self.module.warn("%s; check mode assumes that an earlier task of this run creates it, and reports this "
                         "object as to be created" % message)

    def complete(self, obj):
        """An object as the module returns it: every key of ``returned_shape`` present."""
        return complete(obj, self.returned_shape)


class HarborResource(HarborAction):
    """Base class of every state-managing module: subclasses declare, the engine reconciles."""

    #: the key under which the object is returned
    result_key = "object"
    #: keys whose values never appear in a diff or result
    secret_keys = ()
    #: the object always exists (a system-wide setting such as an allowlist): ``find()`` never returns None
    #: and ``state=absent`` is handled like ``present``, with ``desired()`` describing the emptied object
    absent_means_empty = False

    # ------------------------------------------------------------ subclass hooks

    def find(self):
        raise NotImplementedError

    def desired(self):
        raise NotImplementedError

    def create(self, desired):
        raise NotImplementedError

    def update(self, current, changes):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    # ------------------------------------------------------------ the engine

    def execute(self):
        return self.apply(self.plan())

    def plan(self):
        """Read and compare, without writing: what reconciling this object does (``action`` None: nothing).

        The bulk path plans every object of a kind first (while its lists are fresh), then applies the plans.
        """
        current = self.find()
        if self.params.get("state", "present") == "absent" and not self.absent_means_empty:
            return dict(action="delete" if current is not None else None, current=current)
        desired = self.desired()
        if current is None:
            return dict(action="create", current=None, desired=desired)
        changes = differences(desired, current)
        return dict(action="update" if changes else None, current=current, desired=desired, changes=changes)

    def apply(self, plan):
        """Make the change that ``plan`` describes (none in check mode) and return the module result."""
        check_mode = self.module.check_mode
        action, current = plan["action"], plan["current"]
        if action is None:
            return self.result(False, current)
        if action == "delete":
            if not check_mode:
                self.delete(current)
            return self.result(True, None, before=current, after={})
        if action == "create":
            desired = plan["desired"]
            after = desired if check_mode else self.create(desired)
            return self.result(True, after, before={}, after=desired)
        changes = plan["changes"]
        after = merge(current, changes) if check_mode else self.update(current, changes)
        return self.result(True, after, before=restrict(current, changes, self.secret_keys), after=changes,
                           secrets_changed=True)

    def result(self, changed, obj, before=None, after=None, secrets_changed=False):
        """The module result; with ``secrets_changed`` (``after`` holds changes) a changed secret is shown as
        ``******** (changed)``: masked on both sides, a rotation would show no difference at all."""
        result = {"changed": changed, self.result_key: mask(self.complete(obj) if obj else {}, self.secret_keys)}
        if self.module._diff and changed:
            shown = MASK + " (changed)" if secrets_changed else MASK
            result["diff"] = dict(before=mask(before, self.secret_keys), after=mask(after, self.secret_keys, shown))
        return result


class HarborInfo(HarborAction):
    """Base class of the ``*_info`` modules: declare ``module_args`` and ``gather()``, which returns the result keys.

    The objects of a kind that a state module manages are returned in that module's option shape (``_export``'s
    readers, the inverse of ``desired()``), so that an item fed back to the state module changes nothing; secrets
    Harbor never returns are left out. What Harbor reports beyond the options (ids, times, counts, expiry) lives
    under the separate key ``raw``: the same objects in Harbor's API shape, in the same order (``items()``).
    Results are returned, never set as ``ansible_facts``.
    """

    #: the result key of the objects in option shape: the plural of the kind (``projects``)
    items_key = None

    def execute(self):
        return dict(changed=False, **self.gather())

    def items(self, pairs):
        """The result of ``(options, api_object)`` pairs: ``{items_key: [options...], "raw": [api_object...]}``."""
        pairs = list(pairs)
        return {self.items_key: [options for options, _raw in pairs], "raw": [raw for _options, raw in pairs]}

    def gather(self):
        raise NotImplementedError
