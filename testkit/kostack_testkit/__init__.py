"""kostack's test support (never shipped): fixtures, fakes, builders, fault proxy, Neutron harness.

Product code never imports this package (an import-linter contract in
kostack's pyproject.toml); tests/, benchmarks/ and scripts/make_examples.py do.
"""
