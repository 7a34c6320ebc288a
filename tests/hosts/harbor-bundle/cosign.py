"""Stand-in of cosign for the molecule scenarios (cosign exists in no package source reachable here).

Only ``cosign version`` and ``cosign verify-blob --bundle B --certificate-oidc-issuer I
--certificate-identity-regexp R FILE`` as harbor_ops.harbor.harbor calls it. The stand-in bundle B (written by
build.py) names the sha256 of the blob and the identity and issuer of its "certificate"; verification checks all
three the way cosign checks a real bundle, and fails with cosign's kind of message otherwise.
"""

import argparse
import hashlib
import json
import re
import sys


def verify_blob(argv):
    parser = argparse.ArgumentParser(prog="cosign verify-blob")
    parser.add_argument("--bundle", required=True)
    parser.add_argument("--certificate-oidc-issuer", required=True)
    parser.add_argument("--certificate-identity-regexp", required=True)
    parser.add_argument("blob")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as handle:
            signed = json.load(handle)["standin"]
    except (OSError, ValueError, KeyError) as err:
        print("Error: bundle %s is not a valid signature bundle: %s" % (args.bundle, err), file=sys.stderr)
        return 1
    digest = hashlib.sha256()
    with open(args.blob, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != signed.get("sha256"):
        print("Error: invalid signature when validating ASN.1 encoded signature", file=sys.stderr)
        return 1
    if signed.get("issuer") != args.certificate_oidc_issuer:
        print("Error: none of the expected issuers matched: %s" % signed.get("issuer"), file=sys.stderr)
        return 1
    if not re.search(args.certificate_identity_regexp, signed.get("identity", "")):
        print("Error: none of the expected identities matched what was in the certificate, got subjects [%s]"
              % signed.get("identity"), file=sys.stderr)
        return 1
    print("Verified OK", file=sys.stderr)
    return 0


def main():
    if sys.argv[1:2] == ["version"]:
        print("GitVersion:    stand-in (harbor_ops tests)")
        return 0
    if sys.argv[1:2] == ["verify-blob"]:
        return verify_blob(sys.argv[2:])
    print("Error: the cosign stand-in only knows version and verify-blob", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
