"""Harbor's API contract: spec loading (spec.py), per-version overlays and validation."""
