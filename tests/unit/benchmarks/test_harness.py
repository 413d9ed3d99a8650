"""What the benchmark's sections share: its tables, and moto serving one request at a time
(the runs themselves: tests/integration/test_benchmark_harness.py)."""

import threading
import time

from benchmarks import harness


def test_moto_carries_out_one_request_at_a_time():
    inside, most = [], []

    def app(environ, start_response):
        inside.append(1)
        most.append(len(inside))
        time.sleep(0.05)
        inside.pop()
        start_response("200 OK", [])
        yield b"done"

    serialized = harness.OneAtATime(app)
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(serialized({}, lambda *a: None)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [[b"done"]] * 4
    assert max(most) == 1


def test_table_aligns_the_first_column_left_and_the_others_right():
    text = harness.table([["N=10", 1, "2.50"], ["N=1000", 300, "0.1"]], ["size", "calls", "s"])
    assert text.splitlines() == [
        "size    calls     s",
        "------  -----  ----",
        "N=10        1  2.50",
        "N=1000    300   0.1",
    ]
