"""The floors a run is measured against: what Salt alone takes for as many states, and what
the network alone takes for as many calls.

- Salt's floor: the same ``salt-call`` set-up (config, pillar) applying as many
  ``test.succeed_without_changes`` states as the run has resource states (``noop_sls``).
- The network floor (``network_floor``): each service's calls, one latency each, as many at
  once as the extension lets in flight for that service: its reads over the read-ahead's
  limit (``awsrunbook.readahead.DEFAULT_CONCURRENCY`` or ``aws_runbook_read_concurrency``),
  its writes over the batch's (``awsrunbook.batch.DEFAULT_CONCURRENCY`` or
  ``aws_runbook_write_concurrency``). The services' terms are summed, as if each service
  waited for the one before: a model, since the kinds are read at the same time (a run can
  beat the sum) and each kind's first read runs alone (a run waits a little more).
"""

import collections

from awsrunbook import batch, readahead

READ_OPTION = readahead.CONFIG_OPTION
WRITE_OPTION = batch.CONFIG_OPTION
# SNS topics are written by the SES identity states, so the identities' batch bounds them.
WRITTEN_BY = {"sns": "ses"}


def noop_sls(count):
    """An SLS of ``count`` states that each succeed without changes and call nothing."""
    return "".join(f"noop-{i:05d}:\n  test.succeed_without_changes: []\n" for i in range(count))


def in_flight(service, option, minion_options, defaults):
    """How many of ``service``'s calls may be in flight, as the extension reads ``option``
    (``awsrunbook.readahead.concurrency``); a service it does not bound, such as STS, is
    called once at a time."""
    one_by_default = collections.defaultdict(lambda: 1, defaults)
    return readahead.concurrency(service, minion_options.get(option), option, one_by_default)


def network_floor(services, latency, minion_options):
    """Seconds per service for ``services`` (``operations.summarize``'s ``services``: reads
    and writes per signing service) at ``latency`` seconds per call."""
    floor = {}
    for service, counts in services.items():
        reads = in_flight(service, READ_OPTION, minion_options, readahead.DEFAULT_CONCURRENCY)
        writes = in_flight(
            WRITTEN_BY.get(service, service),
            WRITE_OPTION,
            minion_options,
            batch.DEFAULT_CONCURRENCY,
        )
        rounds = counts.get("reads", 0) / reads + counts.get("writes", 0) / writes
        floor[service] = rounds * latency
    return floor
