"""A component of the stand-in Harbor that only has to exist (trivy-adapter, exporter): waits for SIGTERM."""

import signal
import sys
import threading


def main():
    print("%s: running (stand-in)" % (sys.argv[1] if len(sys.argv) > 1 else "component"), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(1):
        pass


if __name__ == "__main__":
    main()
