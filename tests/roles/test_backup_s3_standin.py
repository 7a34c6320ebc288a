"""A small S3-compatible endpoint on loopback for the backup tests, and its own tests.

It stands in for an S3 bucket when harbor-backup uploads with rclone: path-style requests, AWS Signature
Version 4 checked for one access key (a wrong key answers 403 InvalidAccessKeyId, a wrong secret 403
SignatureDoesNotMatch, as S3 does), objects kept as files below a directory, ListObjects (v1 and v2),
PUT/GET/HEAD/DELETE object. No multipart upload (rclone uses it only above 200 MiB).

Standard library only, so that a molecule scenario can run it on a test host:

    python3 test_backup_s3_standin.py --port 9000 --root /srv/s3 --access-key AK --secret-key SK --bucket b
"""

import argparse
import hashlib
import hmac
import os
import threading
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _error(code, message, status):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>'
            % (code, escape(message))).encode()
    return status, {"Content-Type": "application/xml"}, body


def _uri_encode(text, keep_slash=True):
    return urllib.parse.quote(text, safe="-_.~" + ("/" if keep_slash else ""))


class S3Standin:
    """The server; use as a context manager or start()/stop()."""

    def __init__(self, root, access_key="AKIDHARBORTEST", secret_key="harbor-test-secret", buckets=("harbor-backups",),
                 host="127.0.0.1", port=0):
        self.root = root
        self.access_key = access_key
        self.secret_key = secret_key
        self.requests = []
        for bucket in buckets:
            os.makedirs(os.path.join(root, bucket), exist_ok=True)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = standin.dispatch(self.command, self.path, self.headers, body)
                standin.requests.append((self.command, self.path.split("?")[0], status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = None

    @property
    def endpoint(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- authentication ---------------------------------------------------------------------------------

    def check_signature(self, method, raw_path, headers):
        auth = headers.get("Authorization") or ""
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return _error("AccessDenied", "Signature Version 4 required", 403)
        fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        credential = fields.get("Credential", "").split("/")
        if len(credential) != 5 or credential[0] != self.access_key:
            return _error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
        date, region, service = credential[1:4]
        signed = fields.get("SignedHeaders", "").split(";")
        path, _sep, query = raw_path.partition("?")
        pairs = sorted((_uri_encode(urllib.parse.unquote_plus(k), False), _uri_encode(urllib.parse.unquote_plus(v), False))
                       for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
        canonical_query = "&".join("%s=%s" % pair for pair in pairs)
        canonical_headers = "".join("%s:%s\n" % (name, " ".join((headers.get(name) or "").split())) for name in signed)
        payload_hash = headers.get("x-amz-content-sha256") or "UNSIGNED-PAYLOAD"
        canonical_path = _uri_encode(urllib.parse.unquote(path))
        canonical = "\n".join([method, canonical_path, canonical_query, canonical_headers, ";".join(signed), payload_hash])
        scope = "/".join([date, region, service, "aws4_request"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date") or "", scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_key).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return _error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                          "you provided. Check your key and signing method.", 403)
        return None

    # -- objects ----------------------------------------------------------------------------------------

    def dispatch(self, method, raw_path, headers, body):
        denied = self.check_signature(method, raw_path, headers)
        if denied:
            return denied
        path, _sep, query = raw_path.partition("?")
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        parts = urllib.parse.unquote(path).lstrip("/").split("/", 1)
        bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        bucket_dir = os.path.join(self.root, bucket)
        if not bucket or not os.path.isdir(bucket_dir):
            return _error("NoSuchBucket", "The specified bucket does not exist", 404)
        if not key:
            if method == "GET":
                return self.list_objects(bucket, bucket_dir, params)
            if method in ("HEAD", "PUT"):
                return 200, {}, b""
            return _error("NotImplemented", "not implemented", 501)
        if ".." in key.split("/"):
            return _error("InvalidArgument", "bad key", 400)
        target = os.path.join(bucket_dir, key)
        if method == "PUT":
            if headers.get("x-amz-copy-source"):
                return _error("NotImplemented", "copy not implemented", 501)
            data = self._decode_body(headers, body)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
            return 200, {"ETag": '"%s"' % hashlib.md5(data).hexdigest()}, b""  # nosec - S3's ETag
        if method in ("GET", "HEAD"):
            if not os.path.isfile(target):
                return _error("NoSuchKey", "The specified key does not exist.", 404)
            with open(target, "rb") as handle:
                data = handle.read()
            head = {"ETag": '"%s"' % hashlib.md5(data).hexdigest(), "Content-Type": "application/octet-stream",  # nosec
                    "Last-Modified": formatdate(os.path.getmtime(target), usegmt=True), "Content-Length": str(len(data))}
            return 200, head, data
        if method == "DELETE":
            if os.path.isfile(target):
                os.unlink(target)
            return 204, {}, b""
        return _error("NotImplemented", "not implemented", 501)

    @staticmethod
    def _decode_body(headers, body):
        if not (headers.get("x-amz-content-sha256") or "").startswith("STREAMING-"):
            return body
        out, rest = b"", body  # aws-chunked: "<hex size>;chunk-signature=...\r\n<data>\r\n"
        while rest:
            line, _sep, rest = rest.partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        return out

    def list_objects(self, bucket, bucket_dir, params):
        prefix = params.get("prefix", "")
        delimiter = params.get("delimiter", "")
        keys, prefixes = [], set()
        for base, _dirs, files in os.walk(bucket_dir):
            for name in files:
                key = os.path.relpath(os.path.join(base, name), bucket_dir).replace(os.sep, "/")
                if not key.startswith(prefix):
                    continue
                rest = key[len(prefix):]
                if delimiter and delimiter in rest:
                    prefixes.add(prefix + rest.split(delimiter, 1)[0] + delimiter)
                else:
                    keys.append(key)
        items = []
        for key in sorted(keys):
            path = os.path.join(bucket_dir, key)
            with open(path, "rb") as handle:
                etag = hashlib.md5(handle.read()).hexdigest()  # nosec - S3's ETag
            items.append("<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
                         "<Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>" % (
                             escape(key), _iso(os.path.getmtime(path)), etag, os.path.getsize(path)))
        common = "".join("<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % escape(p) for p in sorted(prefixes))
        extra = ("<KeyCount>%d</KeyCount>" % (len(items) + len(prefixes))) if params.get("list-type") == "2" else "<Marker></Marker>"
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="%s"><Name>%s</Name><Prefix>%s</Prefix>'
                '%s<MaxKeys>1000</MaxKeys><Delimiter>%s</Delimiter><IsTruncated>false</IsTruncated>%s%s</ListBucketResult>'
                % (XMLNS, escape(bucket), escape(prefix), extra, escape(delimiter), "".join(items), common))
        return 200, {"Content-Type": "application/xml"}, body.encode()


def _iso(timestamp):
    import time  # pylint: disable=import-outside-toplevel

    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))


# -- the stand-in's own tests (the backup tests rely on its answers) -----------------------------------------


def _rclone(standin, tmp_path, *args, secret=None, access=None):
    import subprocess  # pylint: disable=import-outside-toplevel

    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # rclone 1.60 fails on it over http
    env.update(RCLONE_CONFIG_T_TYPE="s3", RCLONE_CONFIG_T_PROVIDER="Other",
               RCLONE_CONFIG_T_ENDPOINT=standin.endpoint, RCLONE_CONFIG_T_ACCESS_KEY_ID=access or standin.access_key,
               RCLONE_CONFIG_T_SECRET_ACCESS_KEY=secret or standin.secret_key, RCLONE_CONFIG_T_NO_CHECK_BUCKET="true",
               RCLONE_CONFIG_T_FORCE_PATH_STYLE="true", RCLONE_CONFIG_T_REGION="us-east-1", HOME=str(tmp_path))
    return subprocess.run(["rclone", "--retries", "1", "--low-level-retries", "1", *args], env=env,
                          capture_output=True, text=True, check=False)


def test_rclone_round_trip(tmp_path):
    src = tmp_path / "src" / "a b"
    src.mkdir(parents=True)
    (src / "f+1.txt").write_bytes(b"x" * 1000)
    (src / "g").write_bytes(os.urandom(70000))
    with S3Standin(str(tmp_path / "s3")) as s3:
        up = _rclone(s3, tmp_path, "copy", str(tmp_path / "src"), "T:harbor-backups/pre fix")
        assert up.returncode == 0, up.stderr
        down = _rclone(s3, tmp_path, "copy", "T:harbor-backups/pre fix", str(tmp_path / "back"))
        assert down.returncode == 0, down.stderr
    assert (tmp_path / "back" / "a b" / "f+1.txt").read_bytes() == b"x" * 1000
    assert (tmp_path / "back" / "a b" / "g").read_bytes() == (src / "g").read_bytes()


def test_wrong_credentials_are_refused(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_text("data")
    with S3Standin(str(tmp_path / "s3")) as s3:
        wrong_secret = _rclone(s3, tmp_path, "copy", str(tmp_path / "src"), "T:harbor-backups/x", secret="nope")
        wrong_key = _rclone(s3, tmp_path, "copy", str(tmp_path / "src"), "T:harbor-backups/x", access="AKIDWRONG")
    assert wrong_secret.returncode != 0 and "SignatureDoesNotMatch" in wrong_secret.stderr
    assert wrong_key.returncode != 0 and "InvalidAccessKeyId" in wrong_key.stderr
    assert not (tmp_path / "s3" / "harbor-backups" / "x").exists()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--root", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--bucket", action="append", default=[])
    args = parser.parse_args()
    standin = S3Standin(args.root, args.access_key, args.secret_key, args.bucket or ["harbor-backups"], args.host, args.port)
    print(standin.endpoint, flush=True)
    standin.server.serve_forever()


if __name__ == "__main__":
    main()
