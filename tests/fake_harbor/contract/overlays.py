"""Per-version corrections of the three spec files we have.

Only three swagger files exist (v2.10.0, v2.15.2, main).  Versions in between
are served with the nearest file (see version.SPEC_FILES), corrected here for
the API differences that matter to the fake (api-notes §14, errata E14).
Add an ``Overlay`` when a resource you implement changes between versions
that share one spec file.

An overlay is (spec file, since, until, description, function(raw_spec)).  It
applies when ``since <= version < until``; the function edits the raw spec
dict in place (it runs on a private copy, once per process).
"""

_NULLABLE_STRING = {"type": "string", "x-nullable": True}
_NULLABLE_BOOL = {"type": "boolean", "x-isnullable": True, "x-omitempty": True}
_BOOL_ITEM = {"$ref": "#/definitions/BoolConfigItem"}


class Overlay:
    def __init__(self, spec_file, description, function, since=None, until=None):
        self.spec_file = spec_file
        self.description = description
        self.function = function
        self.since = since
        self.until = until

    def applies(self, version):
        return version.spec_file == self.spec_file and version.between(self.since, self.until)


def add_properties(definition, properties):
    def apply(raw):
        target = raw["definitions"][definition].setdefault("properties", {})
        for name, schema in properties.items():
            target.setdefault(name, dict(schema))
    return apply


def remove_properties(definition, names):
    def apply(raw):
        target = raw["definitions"][definition].get("properties", {})
        for name in names:
            target.pop(name, None)
    return apply


def _chain(*functions):
    def apply(raw):
        for function in functions:
            function(raw)
    return apply


V210 = "swagger.yaml-v2.10.0"
V2152 = "swagger.yaml-v2.15.2"

OVERLAYS = [
    # 2.11 / 2.12 are served with the v2.10.0 file: add what they introduced.
    Overlay(V210, "ProjectMetadata.auto_sbom_generation (2.11.0)",
            add_properties("ProjectMetadata", {"auto_sbom_generation": _NULLABLE_STRING}), since=(2, 11)),
    Overlay(V210, "Configurations.ldap_group_attach_parallel (2.11.0)",
            _chain(add_properties("Configurations", {"ldap_group_attach_parallel": _NULLABLE_BOOL}),
                   add_properties("ConfigurationsResponse", {"ldap_group_attach_parallel": _BOOL_ITEM})), since=(2, 11)),
    Overlay(V210, "ProjectMetadata.proxy_speed_kb (2.12.0)",
            add_properties("ProjectMetadata", {"proxy_speed_kb": _NULLABLE_STRING}), since=(2, 12)),
    # 2.13 / 2.14 (and 2.15.0 / 2.15.1) are served with the v2.15.2 file: remove what came later.
    Overlay(V2152, "ReplicationPolicy.single_active_replication (2.14.0)",
            remove_properties("ReplicationPolicy", ["single_active_replication"]), until=(2, 14)),
    Overlay(V2152, "Registry*.ca_certificate (2.15.0)",
            _chain(remove_properties("Registry", ["ca_certificate"]),
                   remove_properties("RegistryPing", ["ca_certificate"]),
                   remove_properties("RegistryUpdate", ["ca_certificate"])), until=(2, 15)),
    Overlay(V2152, "ProjectMetadata.max_upstream_conn (2.15.0)",
            remove_properties("ProjectMetadata", ["max_upstream_conn"]), until=(2, 15)),
    Overlay(V2152, "ProjectMetadata.proxy_cache_local_on_not_found (2.15.1)",
            remove_properties("ProjectMetadata", ["proxy_cache_local_on_not_found"]), until=(2, 15, 1)),
]


def overlays_for(version):
    return [o for o in OVERLAYS if o.applies(version)]
