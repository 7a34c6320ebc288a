"""Verify harbor_ops.harbor.backup: a backup of the source Harbor restored onto the fresh one (side_effect)."""

import json
import os

import pytest
import testinfra

testinfra_hosts = ["all"]

DATA = "/srv/harbor-data"
PG = "PGPASSWORD=MoleculeDb1 pg_dump -h 127.0.0.1 -p {port} -U harbor registry"


@pytest.fixture
def hosts(host):
    """Both hosts, for the tests that compare them (run once, from the fresh host's parametrisation)."""
    if host.ansible.get_variables()["inventory_hostname"] != "fresh":
        pytest.skip("compares the hosts once")
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    return {name: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, inventory)) for name in ("source", "fresh")}


def _dump(host):
    port = int(host.ansible.get_variables()["ansible_port"]) + 24000
    text = host.check_output(PG.format(port=port))
    return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


def _blob_sums(host):
    return host.check_output("cd %s/registry && find . -type f -print0 | sort -z | xargs -0 sha256sum" % DATA)


def test_program_and_private_files(host):
    program = host.file("/usr/local/sbin/harbor-backup")
    assert program.mode == 0o755 and program.user == "root"
    config = host.file("/etc/harbor-backup/config.json")
    assert config.mode == 0o600 and config.user == "root"
    assert host.file("/etc/harbor-backup").mode == 0o700
    assert host.file("/var/backups/harbor").mode == 0o700
    for package in ("rsync", "age", "rclone", "postgresql-client"):
        assert host.package(package).is_installed


def test_schedule(host):
    name = host.ansible.get_variables()["inventory_hostname"]
    if name == "source":
        timer = host.service("harbor-backup.timer")
        assert timer.is_enabled and timer.is_running
        assert not host.file("/etc/cron.d/harbor-backup").exists
        assert "OnCalendar=*-*-* 02:30:00" in host.file("/etc/systemd/system/harbor-backup.timer").content_string
    else:
        cron = host.file("/etc/cron.d/harbor-backup").content_string
        assert "30 3 * * * root /usr/local/sbin/harbor-backup -c /etc/harbor-backup/config.json backup" in cron
        assert not host.file("/etc/systemd/system/harbor-backup.timer").exists


def test_restored_database_is_identical(hosts):
    source, fresh = _dump(hosts["source"]), _dump(hosts["fresh"])
    assert "COPY public.artifact" in source
    assert fresh == source


def test_restored_blobs_are_byte_identical(hosts):
    source = _blob_sums(hosts["source"])
    assert source.count("\n") >= 199
    assert _blob_sums(hosts["fresh"]) == source
    # Harbor's uid: S3 keeps no owners, the restore gives the blobs the owner recorded with the backup
    assert hosts["fresh"].file(DATA + "/registry/docker/registry/v2").uid == 10000
    assert hosts["fresh"].check_output("find %s/registry ! -uid 10000 | wc -l" % DATA) == "0"


def test_restored_secret_key_and_harbor_yml(hosts):
    for path in (DATA + "/secret/keys/secretkey", "/opt/harbor/harbor.yml"):
        assert hosts["fresh"].file(path).content == hosts["source"].file(path).content
    assert hosts["fresh"].file(DATA + "/secret/keys/secretkey").mode == 0o600


def test_backup_is_encrypted_uploaded_and_reported(hosts):
    source = hosts["source"]
    first, backup = json.loads(source.check_output("harbor-backup list --json"))
    assert backup["encryption"] == "age"
    # the second backup's blobs are hard links to the first one's
    assert source.check_output("find %s/registry -type f -links 1 | wc -l" % backup["path"]) == "0"
    assert source.check_output("find %s/registry -type f | wc -l" % first["path"]) == "200"
    assert source.file(backup["path"] + "/database.sql.gz.age").content[:21] == b"age-encryption.org/v1"
    assert source.file("/srv/s3/harbor-backups/molecule/%s/MANIFEST.sha256" % backup["id"]).exists
    metrics = source.file("/var/lib/prometheus/node-exporter/harbor_backup.prom").content_string
    assert "harbor_backup_last_exit_code 0\n" in metrics
    assert "harbor_backup_upload_last_success_timestamp_seconds " in metrics


def test_restore_went_through_harbor(hosts):
    fresh = hosts["fresh"]
    log = fresh.file("/var/log/compose-standin.log").content_string.splitlines()
    assert [line.split()[-2:] if line.endswith("-d") else line.split()[-1:] for line in log] == [["stop"], ["up", "-d"]]
    port = int(fresh.ansible.get_variables()["ansible_port"]) + 22000
    body = fresh.check_output("python3 -c \"import base64,json,urllib.request as u; r=u.Request('http://127.0.0.1:%d/api/v2.0/"
                              "configurations'); r.add_header('Authorization','Basic '+base64.b64encode(b'admin:MoleculeAdmin1')"
                              ".decode()); print(json.load(u.urlopen(r))['read_only']['value'])\"" % port)
    assert body == "False"
    # the age identity was on the host only during the restore
    assert fresh.check_output("find /tmp -name '*.harbor-restore'") == ""
