"""harbor-db of the stand-in Harbor: the data directory layout of Harbor's PostgreSQL, without PostgreSQL.

``db.py OLD NEW`` behaves like the entrypoint of Harbor's harbor-db image (install-notes 7): the cluster lives
in <data>/database/pg<NEW>; when pg<NEW>/PG_VERSION is missing and pg<OLD>/PG_VERSION exists, the old cluster is
upgraded (here: copied) to pg<NEW> and pg<OLD> is removed; when neither exists, a new EMPTY cluster is created,
which is what a 2.10 (pg14) data directory meets in 2.15.2 (15 -> 18). The stand-in core keeps its state in
pg<NEW>, so data survives exactly the upgrades that keep a real Harbor's database.
"""

import os
import shutil
import signal
import sys
import threading

DATA = "/var/lib/postgresql/data"
POSTGRES_UID = 999


def _own(path):
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), POSTGRES_UID, POSTGRES_UID)
    os.chown(path, POSTGRES_UID, POSTGRES_UID)
    os.chmod(path, 0o700)


def main():
    old, new = sys.argv[1], sys.argv[2]
    old_dir, new_dir = os.path.join(DATA, "pg" + old), os.path.join(DATA, "pg" + new)
    if not os.path.exists(os.path.join(new_dir, "PG_VERSION")):
        if os.path.exists(os.path.join(old_dir, "PG_VERSION")):
            print("harbor-db: upgrading the PostgreSQL %s cluster in %s to %s" % (old, old_dir, new), flush=True)
            shutil.rmtree(new_dir + ".upgrading", ignore_errors=True)
            shutil.copytree(old_dir, new_dir + ".upgrading")
            with open(os.path.join(new_dir + ".upgrading", "PG_VERSION"), "w") as handle:
                handle.write(new + "\n")
            os.rename(new_dir + ".upgrading", new_dir)
            shutil.rmtree(old_dir)
        else:
            print("harbor-db: initialising a new, empty PostgreSQL %s cluster in %s" % (new, new_dir), flush=True)
            os.makedirs(new_dir, exist_ok=True)
            with open(os.path.join(new_dir, "PG_VERSION"), "w") as handle:
                handle.write(new + "\n")
    _own(DATA)
    _own(new_dir)
    print("harbor-db: PostgreSQL %s ready in %s" % (new, new_dir), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(1):
        pass


if __name__ == "__main__":
    main()
