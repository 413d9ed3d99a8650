"""Benchmarks against Ansible on one local endpoint (not part of the test run)."""
