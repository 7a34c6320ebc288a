"""Transport of the fake: HTTP(S) server, TLS material, fault injection, request log."""
