"""Verify harbor_ops.harbor.harbor after the upgrade scenario: 2.10.3 -> 2.14.4 -> 2.15.2 with backups."""

import json

import pytest
import yaml

testinfra_hosts = ["all"]

DATA = "/srv/harbor-data"
BACKUPS = "/srv/harbor-backups"


@pytest.fixture(scope="module")
def backups(host):
    names = host.check_output("ls -1 %s" % BACKUPS).split()
    return {name.rsplit("-", 1)[0]: "%s/%s" % (BACKUPS, name) for name in names}


def test_running_release(host):
    state = json.loads(host.file("/opt/harbor/.harbor_ops/state.json").content_string)
    assert state["version"] == "2.15.2"
    assert [(entry["action"], entry["version"]) for entry in state["history"]] == [
        ("install", "2.10.3"), ("upgrade from 2.10.3", "2.14.4"), ("upgrade from 2.14.4", "2.15.2")]
    images = host.check_output("docker ps --format '{{.Image}}'").split()
    assert sorted(images) == ["goharbor/harbor-core:v2.15.2", "goharbor/harbor-db:v2.15.2",
                              "goharbor/registry-photon:v2.15.2", "goharbor/trivy-adapter-photon:v2.15.2"]


def test_harbor_yml_has_the_new_schema(host):
    harbor_yml = host.file("/opt/harbor/harbor.yml")
    assert harbor_yml.mode == 0o600
    config = yaml.safe_load(harbor_yml.content_string)
    assert config["_version"] == "2.15.0"
    assert config["data_volume"] == DATA
    assert config["trivy"]["java_db_repository"] == "ghcr.io/aquasecurity/trivy-java-db"
    assert config["jobservice"]["max_job_duration_hours"] == 24


def test_only_the_new_images_archive_is_unpacked(host):
    archives = host.check_output("ls /opt/harbor/harbor.v*.tar.gz").split()
    assert archives == ["/opt/harbor/harbor.v2.15.2.tar.gz"]


def test_the_database_was_upgraded_in_place(host):
    assert host.check_output("ls %s/database" % DATA).split() == ["pg18"]
    assert host.file(DATA + "/database/pg18/harbor-standin-state.pickle").exists


def test_one_backup_per_upgrade(backups):
    assert sorted(backups) == ["upgrade-2.10.3-to-2.14.4", "upgrade-2.14.4-to-2.15.2"]


@pytest.mark.parametrize(("upgrade", "pg"), [("upgrade-2.10.3-to-2.14.4", "pg14"), ("upgrade-2.14.4-to-2.15.2", "pg15")])
def test_backup_content(host, backups, upgrade, pg):
    path = backups[upgrade]
    assert host.file(BACKUPS).mode == 0o700
    assert host.file(path).mode == 0o700
    harbor_yml = host.file(path + "/harbor.yml")
    assert harbor_yml.mode == 0o600
    assert yaml.safe_load(harbor_yml.content_string)["_version"] == ("2.10.0" if pg == "pg14" else "2.14.0")
    # the database of the old release, with its owner (copied cold, the stack was stopped)
    database = host.file("%s/database/%s" % (path, pg))
    assert database.is_directory
    assert database.uid == 999
    assert host.file("%s/database/%s/harbor-standin-state.pickle" % (path, pg)).exists
    secretkey = host.file(path + "/secret/keys/secretkey")
    assert secretkey.mode == 0o600
    assert secretkey.content_string == host.file(DATA + "/secret/keys/secretkey").content_string
    description = json.loads(host.file(path + "/backup.json").content_string)
    assert description["from_version"] + " " + description["to_version"] == upgrade.replace("upgrade-", "").replace("-to-", " ")
    assert description["contents"] == ["harbor.yml", "secret", "database"]


def test_installers_verified_and_kept(host):
    names = set(host.check_output("ls /opt/harbor-installers").split())
    assert {"harbor-offline-installer-v2.10.3.tgz", "harbor-offline-installer-v2.10.3.tgz.asc",
            "harbor-offline-installer-v2.14.4.tgz", "harbor-offline-installer-v2.15.2.tgz", "gnupg",
            "harbor-release-key.asc"} <= names
    # 2.15.2 came with a pinned checksum, no cosign on this host: its signature bundle was not fetched
    assert "harbor-offline-installer-v2.15.2.tgz.sigstore.json" not in names


def test_calls(host):
    calls = [line.split(" ", 1)[1] for line in host.file("/var/log/harbor-standin/calls.log").content_string.splitlines()]
    assert calls == ["install.sh --with-trivy", "prepare --with-trivy rc=0"] * 3
