"""A child's own CPU time and peak memory, apart from the benchmark's process (real
processes: the measurement is what the kernel reports)."""

import os
import sys
import threading
import time

from benchmarks import usage

MB = 1_000_000


def python(code):
    return [sys.executable, "-c", code]


def test_the_childs_cpu_and_peak_memory_are_its_own():
    # The child allocates about 150 MB and spins for 0.3 s of CPU.
    code = (
        "import time\nblock = bytearray(150_000_000)\nend = time.process_time() + 0.3\n"
        "while time.process_time() < end: pass\nprint('done')"
    )
    finished = usage.run(python(code), dict(os.environ), timeout=60)
    assert finished.returncode == 0
    assert finished.stdout == "done\n"
    assert finished.usage.cpu >= 0.3
    assert finished.usage.max_rss >= 150 * MB
    assert finished.usage.wall >= finished.usage.cpu * 0.5


def test_the_benchmarks_own_cpu_and_memory_are_not_the_childs():
    # This process holds 300 MB and spins in a thread while a child that does nearly nothing
    # runs: the child reports neither (a plain fork and exec would report the 300 MB).
    held = bytearray(300 * MB)
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        finished = usage.run(["sleep", "1"], dict(os.environ), 60)
    finally:
        stop.set()
        spinner.join()
    assert len(held) == 300 * MB
    assert finished.usage.max_rss < 100 * MB
    assert finished.usage.cpu < 0.05
    # The spinning thread, counted as this process's (however busy the machine is).
    assert finished.usage.parent_cpu > max(0.05, finished.usage.cpu * 10)


def test_exit_status_and_error_output_come_through():
    finished = usage.run(python("import sys; sys.exit('bad input')"), dict(os.environ), 60)
    assert finished.returncode == 1
    assert finished.stderr == "bad input\n"


def test_a_child_past_its_timeout_is_killed_with_its_launcher():
    start = time.perf_counter()
    finished = usage.run(["sleep", "30"], dict(os.environ), timeout=1)
    assert time.perf_counter() - start < 10
    assert finished.returncode == -9
