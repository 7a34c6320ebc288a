"""Request-handling framework of the fake: routing, context, errors, auth, paging and ``q=``."""
