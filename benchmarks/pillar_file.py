"""Benchmark: ``pillar_file.set_values`` of one key in a large private pillar file.

    python -m benchmarks.pillar_file             # a 3.5 MB file
    python -m benchmarks.pillar_file --mb 10

The file is the realistic fixture ``tests/fixtures/pillar/registry.sls`` repeated (its
top-level keys and anchors renamed per copy) up to the size asked for, plus the ``aws``
mapping whose ``secret_key`` is set. Prints wall and CPU time of the write (median of three),
the peak memory Python allocated for it, and checks that only that one line changed.
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "pillar" / "registry.sls"
KEY_LINE = "  secret_key: {}\n"


def large_pillar(size):
    """About ``size`` bytes of pillar: copies of the fixture, then ``aws:secret_key``."""
    body = FIXTURE.read_text().removeprefix("---\n").removesuffix("...\n")
    top_keys = re.findall(r"^(\w+):", body, re.MULTILINE)
    copies, total, number = [], 0, 0
    while total < size:
        copy = body.replace("SMTP_PASSWORD", f"SMTP_PASSWORD_{number}")
        for key in top_keys:
            copy = re.sub(rf"^{key}:", f"{key}_{number}:", copy, flags=re.MULTILINE)
        copies.append(copy)
        total += len(copy)
        number += 1
    return "".join(copies) + "aws:\n" + KEY_LINE.format("old-secret")


def measure(pillar_file, path, text, value, trace):
    path.write_text(text)
    if trace:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    pillar_file.set_values(str(path), {"aws:secret_key": value})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    tracemalloc.stop()
    return wall, cpu, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=3.5, help="file size in MB (default 3.5)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "_utils"))
    from _modules import pillar_file

    text = large_pillar(int(args.mb * 1_000_000))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "big.sls"
        runs = [measure(pillar_file, path, text, f"new-secret-{i}", False) for i in range(3)]
        expected = text.replace(KEY_LINE.format("old-secret"), KEY_LINE.format("new-secret-2"))
        unchanged_elsewhere = path.read_text() == expected
        _, _, peak = measure(pillar_file, path, text, "traced", True)
    print(
        f"pillar_file.set_values, one key in a {len(text) / 1e6:.1f} MB pillar file "
        f"({text.count(chr(10))} lines): {statistics.median(r[0] for r in runs):.2f} s wall, "
        f"{statistics.median(r[1] for r in runs):.2f} s CPU (median of 3), "
        f"{peak / 1e6:.0f} MB peak Python memory; only that line changed: "
        f"{'yes' if unchanged_elsewhere else 'NO'}"
    )
    return 0 if unchanged_elsewhere else 1


if __name__ == "__main__":
    raise SystemExit(main())
