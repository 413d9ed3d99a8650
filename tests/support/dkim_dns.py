"""A BIND server authoritative for several zones: the sending domain's zone and
``amazonses.com``, where SES's own DKIM key and the Easy DKIM keys (behind the
``TOKEN._domainkey.DOMAIN`` CNAMEs) live, so DKIM signatures verify against real DNS.

    with MultiZoneBind(tmp_path, {"example.org": "...", "amazonses.com": "..."}) as bind:
        bind.resolver
"""

import textwrap

from tests.support.bind_server import BindServer


class MultiZoneBind(BindServer):
    """``BindServer`` (the first zone takes dynamic updates) plus further primary zones."""

    def __init__(self, directory, zones):
        first, *others = zones
        super().__init__(directory, first, zones[first])
        self.other_zones = {zone: zones[zone] for zone in others}

    def _write_config(self):
        super()._write_config()
        config = self.directory / "named.conf"
        stanzas = []
        for zone, records in self.other_zones.items():
            path = self.directory / f"{zone}.db"
            path.write_text(
                f"$TTL 300\n@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 3600 600 86400 300\n"
                f"@ IN NS ns1.{zone}.\nns1 IN A 127.0.0.1\n" + textwrap.dedent(records)
            )
            stanzas.append(f'zone "{zone}" {{\n    type primary;\n    file "{path}";\n}};\n')
        config.write_text(config.read_text() + "".join(stanzas))


# SES's own DKIM selector (a real one's shape; the key is the test's).
SES_SELECTOR = "224i4yxa5dv7c2xz3womw6peuasteono"


def ses_sending_zones(domain, region, dmarc, easy_key, ses_key, *other_keys):
    """The zones of a domain that sends and receives through SES: MX to SES receiving, the
    DMARC record, the Easy DKIM CNAME of ``easy_key`` into ``amazonses.com`` (where its key
    and ``ses_key`` are published), and ``other_keys`` in the domain's zone."""
    token = easy_key.selector
    own = (
        f"@ IN MX 10 inbound-smtp.{region}.amazonaws.com.\n"
        f'_dmarc IN TXT "{dmarc}"\n'
        f"{token}._domainkey IN CNAME {token}.dkim.amazonses.com.\n"
    )
    easy = easy_key.zone_lines().replace(easy_key.record_name, f"{token}.dkim.amazonses.com")
    return {
        domain: own + "".join(key.zone_lines() for key in other_keys),
        "amazonses.com": ses_key.zone_lines() + easy,
    }
