"""The fake's view of the network: it talks to servers on this machine only.

Harbor reaches out to scanner adapters, webhook receivers and P2P providers. The fake does so for real, but only on
loopback (a stand-in a test starts, or the fake's own ``/_fake/*`` stand-ins): any other host is unreachable, as a
Harbor without a route to it would find.
"""

import ipaddress


def is_loopback(host):
    """Is ``host`` (a name or an address) this machine?"""
    if (host or "").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
