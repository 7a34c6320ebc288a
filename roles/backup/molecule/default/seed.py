"""Seed the source Harbor of the molecule scenario: 200 generated layers under REGISTRY (Harbor's layout,
owned by 10000) and Harbor-like tables in the registry database that reference them.

    seed.py REGISTRY PGPORT
"""
import hashlib
import os
import random
import subprocess
import sys

registry, port = sys.argv[1], sys.argv[2]
rng = random.Random(8)
rows = []
for _ in range(200):
    data = rng.randbytes(rng.randint(2000, 30000))
    digest = hashlib.sha256(data).hexdigest()
    blob = os.path.join(registry, "docker/registry/v2/blobs/sha256", digest[:2], digest, "data")
    os.makedirs(os.path.dirname(blob), exist_ok=True)
    with open(blob, "wb") as handle:
        handle.write(data)
    rows.append("('library/app', 'sha256:%s', %d)" % (digest, len(data)))
os.chown(registry, 10000, 10000)
for base, dirs, files in os.walk(registry):
    for name in dirs + files:
        os.chown(os.path.join(base, name), 10000, 10000)
sql = """
CREATE TABLE properties (id SERIAL PRIMARY KEY, k varchar(64) UNIQUE NOT NULL, v varchar(1024));
INSERT INTO properties (k, v) VALUES ('read_only', 'false'), ('auth_mode', 'db_auth');
CREATE TABLE registry (id SERIAL PRIMARY KEY, name varchar(256), access_secret varchar(4096));
INSERT INTO registry (name, access_secret) VALUES ('ecr', '<encrypted with keys/secretkey>');
CREATE TABLE artifact (id SERIAL PRIMARY KEY, repository_name varchar(255), digest varchar(255), size bigint);
INSERT INTO artifact (repository_name, digest, size) VALUES %s;
""" % ", ".join(rows)
env = dict(os.environ, PGPASSWORD="MoleculeDb1")
subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "harbor", "-d", "registry", "-v", "ON_ERROR_STOP=1",
                "-c", sql], check=True, env=env)
