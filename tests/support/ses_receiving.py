"""What the tests of address verification through a receipt rule share: the ``changes``
fields that set receiving up and take it down (in plan order), and a BIND answering the
domain's MX."""

import contextlib

from tests.support.bind_server import BindServer

SETUP_FIELDS = [
    "verification_bucket",
    "verification_bucket_public_access_block",
    "verification_bucket_lifecycle",
    "verification_bucket_policy",
    "receipt_rule_set",
    "receipt_rule",
    "active_receipt_rule_set",
]
CLEANUP_FIELDS = [
    "cleanup_active_receipt_rule_set",
    "cleanup_receipt_rule",
    "cleanup_receipt_rule_set",
    "cleanup_received_messages",
]


@contextlib.contextmanager
def mx_server(tmp_path, domain, mx_host):
    """A running BIND for ``domain`` whose MX is ``mx_host`` (none when ``None``)."""
    directory = tmp_path / "bind"
    directory.mkdir()
    records = f"{domain}. 300 IN MX 10 {mx_host}.\n" if mx_host else ""
    with BindServer(directory, domain, records) as server:
        yield server
