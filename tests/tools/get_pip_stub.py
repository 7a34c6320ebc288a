# Offline stand-in for ansible-test's pip bootstrap script (get-pip-X.py), which ansible-test would
# otherwise download from a host this machine cannot reach. ansible-test runs it as a script with pip
# arguments such as "pip==24.2 --no-setuptools --no-wheel".
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + ARGS))
