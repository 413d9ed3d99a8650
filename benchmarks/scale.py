"""The scale run: ours only, N buckets + N backup users (+ N SES domains with notifications),
first run on an empty account then converged, at each latency asked for; each run printed
with its floors (``benchmarks.floors``) and checked against issue #25's targets."""

from benchmarks import floors
from benchmarks.harness import aws_env, check, first_and_converged, latency, load, table
from benchmarks.salt_bench import SaltBench

MB = 1_000_000
# Issue #25's targets, for the sizes it names. Converged at 60 ms per call: wall seconds.
WALL_TARGETS_60MS = {200: 5.0, 1000: 20.0}
TARGET_SIZE = 1000
CPU_MS_PER_RESOURCE = 3.0  # salt-call's own CPU, converged at latency 0
NOOP_FLOOR_FACTOR = 3  # converged wall at latency 0 <= 3 x Salt's no-op floor + endpoint CPU
MAX_RSS = 500 * MB
CALLS_PER_RESOURCE = 2.34  # converged, at most the figure before issue #25


def measure(server, ours, n, repeat):
    """First run and converged re-runs of ``n`` of each resource, then Salt's no-op floor."""
    first, converged = first_and_converged(server, lambda: ours.declare(n), ours.apply, repeat)
    return {"n": n, "first": first, "converged": converged, "noop": ours.apply_noop()}


def runs(measured, repeat):
    """``(label, summary)`` of each run measured, first then converged."""
    return (
        ("first", measured["first"]),
        (f"converged (median of {repeat})", measured["converged"]),
    )


def run_row(measured, run, summary, resources):
    used = summary["usage"]
    return [
        measured["n"],
        resources,
        run,
        f"{summary['wall']:.2f}",
        summary["calls"],
        summary["writes"],
        f"{summary['calls'] / resources:.2f}",
        f"{used.cpu:.2f}",
        f"{used.cpu / resources * 1000:.1f}",
        f"{used.max_rss / MB:.0f}",
        f"{used.parent_cpu:.2f}",
    ]


RUN_HEADERS = [
    "N",
    "resources",
    "run",
    "wall s",
    "calls",
    "writes",
    "calls/res",
    "salt-call CPU s",
    "CPU ms/res",
    "peak RSS MB",
    "endpoint CPU s",
]


def floor_row(measured, run, summary, seconds, minion_options, services):
    noop = measured["noop"]
    floor = floors.network_floor(summary["services"], seconds, minion_options)
    return [
        measured["n"],
        run,
        f"{summary['wall']:.2f}",
        f"{noop.wall:.2f}",
        f"{noop.cpu:.2f}",
        f"{sum(floor.values()):.2f}",
        f"{max(floor.values(), default=0):.2f}",
        *(f"{floor.get(service, 0):.2f}" for service in services),
    ]


def service_cell(counts):
    """``calls (writes)`` of one service in one run."""
    return f"{counts.get('reads', 0) + counts.get('writes', 0)} ({counts.get('writes', 0)})"


def report(results, repeat, kinds, seconds, minion_options):
    """The tables of one latency's runs."""
    columns = [(m, run, s) for m in results for run, s in runs(m, repeat)]
    services = sorted({service for _, _, s in columns for service in s["services"]})
    names = sorted({op for _, _, s in columns for op in s["ops"]})
    labels = [f"N={m['n']} {run.split()[0]}" for m, run, _ in columns]
    # The network floor: the services' terms summed, as asked in issue #25, and the largest
    # term, which no run can beat at these limits (the services' calls overlap).
    floor_headers = [
        *("N", "run", "wall s", "no-op wall s", "no-op CPU s"),
        *("network floor s", "slowest service s"),
    ]
    return [
        table([run_row(m, run, s, m["n"] * kinds) for m, run, s in columns], RUN_HEADERS),
        table(
            [floor_row(m, run, s, seconds, minion_options, services) for m, run, s in columns],
            [*floor_headers, *(f"{service} s" for service in services)],
        ),
        table(
            [
                [svc, *(service_cell(s["services"].get(svc, {})) for _, _, s in columns)]
                for svc in services
            ],
            ["calls (writes) by service", *labels],
        ),
        table(
            [[op, *(s["ops"].get(op, 0) for _, _, s in columns)] for op in names],
            ["calls by operation", *labels],
        ),
    ]


def target_checks(results, kinds, latency_ms):
    """Issue #25's targets that these runs measure (the sizes and latencies it names)."""
    verdicts = []
    for measured in results:
        n, converged, noop = measured["n"], measured["converged"], measured["noop"]
        used, resources = converged["usage"], n * kinds
        verdicts.append(
            check(
                converged["writes"] == 0,
                f"N={n} converged: {converged['writes']} writes (target 0)",
            )
        )
        if latency_ms == 60 and n in WALL_TARGETS_60MS:
            verdicts.append(
                check(
                    converged["wall"] <= WALL_TARGETS_60MS[n],
                    f"N={n} converged at 60 ms: {converged['wall']:.2f} s"
                    f" (target {WALL_TARGETS_60MS[n]:.0f} s)",
                )
            )
        if n != TARGET_SIZE:
            continue
        verdicts.append(
            check(
                converged["calls"] / resources <= CALLS_PER_RESOURCE,
                f"N={n} converged: {converged['calls'] / resources:.2f} calls per resource"
                f" (target {CALLS_PER_RESOURCE})",
            )
        )
        verdicts.append(
            check(
                measured["first"]["usage"].max_rss < MAX_RSS and used.max_rss < MAX_RSS,
                f"N={n}: salt-call peak RSS {measured['first']['usage'].max_rss / MB:.0f} MB"
                f" first, {used.max_rss / MB:.0f} MB converged (target < {MAX_RSS / MB:.0f} MB)",
            )
        )
        if latency_ms == 0:
            budget = NOOP_FLOOR_FACTOR * noop.wall + used.parent_cpu
            verdicts += [
                check(
                    used.cpu / resources * 1000 <= CPU_MS_PER_RESOURCE,
                    f"N={n} converged at 0 ms: salt-call CPU {used.cpu / resources * 1000:.1f}"
                    f" ms per resource (target {CPU_MS_PER_RESOURCE:.0f})",
                ),
                check(
                    converged["wall"] <= budget,
                    f"N={n} converged at 0 ms: {converged['wall']:.2f} s (target {budget:.2f} s"
                    f" = {NOOP_FLOOR_FACTOR} x no-op {noop.wall:.2f} s + endpoint CPU"
                    f" {used.parent_cpu:.2f} s)",
                ),
            ]
    return verdicts


def constant_calls(results, kinds):
    """No size costs more calls per resource than the smallest (5% slack); one-off calls per
    run (sts GetCallerIdentity) and batched reads may make it fall a little."""
    per_resource = {m["n"]: m["converged"]["calls"] / (m["n"] * kinds) for m in results}
    base = per_resource[results[0]["n"]]
    return check(
        all(value <= base * 1.05 for value in per_resource.values()),
        "ours converged calls per resource constant over N="
        + ", ".join(f"{n}: {value:.2f}" for n, value in per_resource.items()),
    )


def scale(server, root, ses, sizes, repeat, minion_options, latencies):
    """Every size at every latency (milliseconds); the verdicts, and the results by latency."""
    ours = SaltBench(root / "salt-scale", aws_env(server), ses, minion_options)
    what = "buckets + users" + (" + SES domains" if ses else "")
    verdicts, by_latency = [], {}
    for latency_ms in latencies:
        server.counter.latency = latency_ms / 1000
        results = []
        for n in sizes:
            print(
                f"scale N={n}, {latency(server)}: first run, converged x{repeat}, no-op floor ...",
                flush=True,
            )
            results.append(measure(server, ours, n, repeat))
            print("  " + progress(results[-1]), flush=True)
        print(f"\n== Scale, ours only: N of each ({what}), {latency(server)}; {load()}\n")
        for text in report(results, repeat, ours.kinds, latency_ms / 1000, minion_options):
            print(text, end="\n\n")
        verdicts.append(constant_calls(results, ours.kinds))
        verdicts += target_checks(results, ours.kinds, latency_ms)
        by_latency[latency_ms] = results
    return verdicts, by_latency


def progress(measured):
    """One line per size as soon as it is measured: long runs log as they go."""
    first, converged, noop = measured["first"], measured["converged"], measured["noop"]
    return (
        f"first {first['wall']:.2f} s, {first['calls']} calls, CPU {first['usage'].cpu:.2f} s;"
        f" converged {converged['wall']:.2f} s, {converged['calls']} calls,"
        f" {converged['writes']} writes, CPU {converged['usage'].cpu:.2f} s,"
        f" RSS {converged['usage'].max_rss / MB:.0f} MB; no-op {noop.wall:.2f} s"
    )


def scale_figures(by_latency):
    """The results as JSON-ready data: per latency (ms), per size, each run's figures."""

    def figures(summary):
        plain = {key: summary[key] for key in ("wall", "calls", "writes", "ops", "services")}
        return {**plain, "usage": summary["usage"]._asdict()}

    return {
        f"{latency_ms:g}": [
            {
                "n": m["n"],
                "first": figures(m["first"]),
                "converged": {**figures(m["converged"]), "walls": m["converged"]["walls"]},
                "noop": m["noop"]._asdict(),
            }
            for m in results
        ]
        for latency_ms, results in by_latency.items()
    }
