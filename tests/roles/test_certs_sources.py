"""harbor_ops.harbor.certs on this machine (localhost, into a temporary directory; install phase skipped).

provided: a good certificate is installed (key 0600, chain after the leaf, expiry fact and Prometheus
textfile); a key that does not match, an expired certificate and a hostname missing from the SANs each
fail with a clear message and leave the installed files as they were. selfsigned: a private CA and a
server certificate with every name, unchanged on a second run, renewed by harbor-certs-renew (real
openssl) in a way the next converge accepts without reissuing. Needs root.
"""

import datetime
import hashlib
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.roles.test_nginx_frontend import recap, run_playbook

HOST = "harbor.test"
NOW = datetime.datetime.now(datetime.timezone.utc)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the role writes root-owned files: run as root")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name("Test CA")).issuer_name(_name("Test CA"))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=10)).not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(ca, names, days=90, not_before_days=1):
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(n) for n in names]
    cert = (
        x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=not_before_days))
        .not_valid_after(NOW + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def base_vars(tmp, **extra):
    (tmp / "bin").mkdir(exist_ok=True)
    return dict({
        "certs_hostname": HOST,
        "certs_dir": str(tmp / "ssl"),
        "certs_bin_dir": str(tmp / "bin"),
        "certs_renewal_timer": False,
        "certs_reload_nginx": False,
        "certs_metrics_textfile_dir": str(tmp / "textfile"),
    }, **extra)


def digests(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def provided(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("provided")
    (tmp / "textfile").mkdir()
    ca = make_ca()
    key, cert = make_leaf(ca, [HOST, "*.registry.test"])
    # the key and chain as files on the controller, the certificate as PEM text
    (tmp / "given.key").write_text(pem_key(key))
    (tmp / "chain.pem").write_text(pem_cert(ca[1]))
    play_vars = base_vars(tmp, certs_source="provided", certs_subject_alt_names=["eu.registry.test"],
                          certs_provided_certificate=pem_cert(cert),
                          certs_provided_private_key_file=str(tmp / "given.key"),
                          certs_provided_chain_file=str(tmp / "chain.pem"))
    proc, facts = run_playbook(tmp, play_vars, ["certs"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    return {"tmp": tmp, "ca": ca, "key": key, "cert": cert, "vars": play_vars, "proc": proc, "facts": facts}


def test_provided_files(provided):
    ssl_dir = provided["tmp"] / "ssl"
    leaf, chain = pem_cert(provided["cert"]), pem_cert(provided["ca"][1])
    assert (ssl_dir / "cert.pem").read_text() == leaf
    assert (ssl_dir / "chain.pem").read_text() == chain
    assert (ssl_dir / "fullchain.pem").read_text() == leaf + chain
    assert (ssl_dir / "privkey.pem").read_text() == pem_key(provided["key"])
    assert (ssl_dir / "privkey.pem").stat().st_mode & 0o777 == 0o600
    assert (ssl_dir / "fullchain.pem").stat().st_mode & 0o777 == 0o644


def test_provided_key_never_logged(provided):
    body = pem_key(provided["key"]).splitlines()[1]
    assert body not in provided["proc"].stdout


def test_days_to_expiry_fact_and_textfile(provided):
    info = provided["facts"]["certs_info"]
    assert int(info["days_to_expiry"]) in (88, 89)
    assert info["not_after"] == provided["cert"].not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert int(info["not_after_timestamp"]) == int(provided["cert"].not_valid_after_utc.timestamp())
    prom = (provided["tmp"] / "textfile" / "harbor_certs.prom").read_text()
    assert f'harbor_certs_days_to_expiry{{hostname="{HOST}",source="provided"}} {info["days_to_expiry"]}' in prom
    assert f'harbor_certs_not_after_timestamp_seconds{{hostname="{HOST}",source="provided"}} ' \
           f'{info["not_after_timestamp"]}' in prom


def test_provided_second_run_unchanged(provided):
    proc, _unused = run_playbook(provided["tmp"], provided["vars"], ["certs"])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert recap(proc) == (0, 0), proc.stdout[-3000:]


def _bad(provided, message, **override):
    ssl_dir = provided["tmp"] / "ssl"
    before = digests(ssl_dir)
    proc, _unused = run_playbook(provided["tmp"], dict(provided["vars"], **override), ["certs"], phases=("preflight",))
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert "Nothing was changed." in proc.stdout
    assert digests(ssl_dir) == before
    return proc


def test_key_that_does_not_match(provided):
    other_key = make_leaf(provided["ca"], [HOST])[0]
    (provided["tmp"] / "other.key").write_text(pem_key(other_key))
    proc = _bad(provided, "The provided private key does not match the provided certificate",
                certs_provided_private_key_file=str(provided["tmp"] / "other.key"))
    assert pem_key(other_key).splitlines()[1] not in proc.stdout


def test_expired_certificate(provided):
    key, cert = make_leaf(provided["ca"], [HOST], days=-2, not_before_days=30)
    (provided["tmp"] / "expired.key").write_text(pem_key(key))
    _bad(provided, "The provided certificate expired on", certs_provided_certificate=pem_cert(cert),
         certs_provided_private_key_file=str(provided["tmp"] / "expired.key"))


@pytest.mark.parametrize(
    ("hostname", "alt_names", "missing"),
    [
        ("registry.example.com", [], "registry.example.com"),
        (HOST, ["a.b.registry.test"], "a.b.registry.test"),  # a wildcard covers one label only
        (HOST, ["IP:127.0.0.1"], "127.0.0.1"),
    ],
    ids=["hostname", "two-labels-under-wildcard", "ip"],
)
def test_name_not_in_the_certificate(provided, hostname, alt_names, missing):
    _bad(provided, f"{missing} is not a name of the provided certificate", certs_hostname=hostname,
         certs_subject_alt_names=alt_names)


def test_wildcard_covers_one_label(provided):
    extra = dict(provided["vars"], certs_subject_alt_names=["x.registry.test"])
    proc, _unused = run_playbook(provided["tmp"], extra, ["certs"], phases=("preflight",))
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_missing_key(tmp_path):
    extra = base_vars(tmp_path, certs_source="provided", certs_provided_certificate="x")
    proc, _unused = run_playbook(tmp_path, extra, ["certs"], phases=("preflight",))
    assert proc.returncode != 0
    assert "The provided source needs the certificate and its key" in proc.stdout


def test_acme_needs_the_terms_accepted(tmp_path):
    proc, _unused = run_playbook(tmp_path, base_vars(tmp_path, certs_source="acme"), ["certs"], phases=("preflight",))
    assert proc.returncode != 0
    assert "certs_acme_agree_tos: true" in proc.stdout
    assert not (tmp_path / "ssl").exists()


@pytest.fixture(scope="module")
def selfsigned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("selfsigned")
    (tmp / "textfile").mkdir()
    play_vars = base_vars(tmp, certs_source="selfsigned", certs_key_type="ecdsa",
                          certs_subject_alt_names=["registry.test", "IP:127.0.0.1"])
    proc, facts = run_playbook(tmp, play_vars, ["certs"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    return {"tmp": tmp, "vars": play_vars, "facts": facts}


def _load(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_selfsigned_ca_and_server_certificate(selfsigned):
    ssl_dir = selfsigned["tmp"] / "ssl"
    ca, leaf = _load(ssl_dir / "ca.pem"), _load(ssl_dir / "cert.pem")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    leaf.verify_directly_issued_by(ca)
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {HOST, "registry.test"}
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert (ssl_dir / "fullchain.pem").read_bytes() == (ssl_dir / "cert.pem").read_bytes()
    assert (ssl_dir / "privkey.pem").stat().st_mode & 0o777 == 0o600
    assert (ssl_dir / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    assert (ssl_dir / "ca").stat().st_mode & 0o777 == 0o700
    assert int(selfsigned["facts"]["certs_info"]["days_to_expiry"]) in (396, 397)


def test_selfsigned_renewal_script_and_converge_agree(selfsigned):
    """harbor-certs-renew --force issues a new certificate with openssl from the private CA; the next
    converge keeps it (changed=0)."""
    import subprocess

    ssl_dir = selfsigned["tmp"] / "ssl"
    before = _load(ssl_dir / "cert.pem")
    renew = subprocess.run([str(selfsigned["tmp"] / "bin" / "harbor-certs-renew"), "--force"], capture_output=True,
                           text=True, check=False, timeout=60)
    assert renew.returncode == 0, renew.stderr
    after = _load(ssl_dir / "cert.pem")
    assert after.serial_number != before.serial_number
    after.verify_directly_issued_by(_load(ssl_dir / "ca.pem"))
    assert after.extensions.get_extension_for_class(x509.SubjectAlternativeName).value == \
        before.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert (ssl_dir / "fullchain.pem").read_bytes() == (ssl_dir / "cert.pem").read_bytes()
    # without --force and far from expiry it does nothing
    assert subprocess.run([str(selfsigned["tmp"] / "bin" / "harbor-certs-renew")], check=False).returncode == 0
    assert _load(ssl_dir / "cert.pem").serial_number == after.serial_number
    proc, _unused = run_playbook(selfsigned["tmp"], selfsigned["vars"], ["certs"])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert recap(proc) == (0, 0), proc.stdout[-3000:]
    assert _load(ssl_dir / "cert.pem").serial_number == after.serial_number


def test_selfsigned_converge_renews_when_due(selfsigned):
    """Within certs_renew_before_days of expiry a converge issues a new certificate."""
    ssl_dir = selfsigned["tmp"] / "ssl"
    before = _load(ssl_dir / "cert.pem")
    proc, facts = run_playbook(selfsigned["tmp"], dict(selfsigned["vars"], certs_renew_before_days=397,
                                                       certs_selfsigned_days=398), ["certs"])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert _load(ssl_dir / "cert.pem").serial_number != before.serial_number
    assert "harbor-certs-deploy" in proc.stdout  # the handler put it to use
