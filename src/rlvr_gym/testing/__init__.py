"""Fault injection for soak runs and tests of a deployment (the Docker engine made unreachable,
sandbox containers killed or paused, worker processes killed); see docs/security.md and
benchmarks/soak.py."""
