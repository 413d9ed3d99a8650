"""Nothing under tests/benchmarks is a test: ``python -m tests.benchmarks.run`` runs it."""

collect_ignore_glob = ["*"]
