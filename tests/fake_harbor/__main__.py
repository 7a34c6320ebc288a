"""``python -m tests.fake_harbor --port 0 --harbor-version 2.15 [--tls]``

Prints the base URL as the first stdout line (and ``CA=/path`` with --tls),
then serves until SIGTERM/SIGINT.
"""

import argparse
import logging
import signal
import sys
import threading

from .server import FakeHarbor


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fake_harbor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (default)")
    parser.add_argument("--harbor-version", default="2.15", help="2.10 ... 2.15, 2.15.1 or main (default 2.15)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    parser.add_argument("--admin-password", default="Harbor12345")
    parser.add_argument("--spec-dir", default=None, help="directory with swagger.yaml-* (default $HARBOR_SPEC_DIR "
                                                         "or <repo>/../shared/harbor)")
    parser.add_argument("--no-contract", action="store_true", help="do not validate against the spec")
    parser.add_argument("--no-trivy", action="store_true", help="installed without --with-trivy")
    parser.add_argument("--auth-fail-delay", type=float, default=1.5,
                        help="seconds a failed basic-auth request is held (Harbor: 1.5)")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        server = FakeHarbor(version=args.harbor_version, tls=args.tls, host=args.host, port=args.port,
                            admin_password=args.admin_password, spec_dir=args.spec_dir,
                            with_trivy=not args.no_trivy, auth_fail_delay=args.auth_fail_delay,
                            contract=not args.no_contract)
    except ValueError as err:
        print("error: %s" % err, file=sys.stderr)
        return 2
    stop = threading.Event()

    def _stop(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.start()
    print(server.url)
    if server.ca_path:
        print("CA=%s" % server.ca_path)
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
