"""A real BIND 9 (``named``) on 127.0.0.1, authoritative for one zone that takes dynamic
updates signed with a TSIG key: the ``rfc2136`` provider's target and the server the DNS
checks ask. Everything (config, zone, journal, key) lives in a temporary directory.

    with BindServer(tmp_path, "example.org") as bind:
        bind.port, bind.tsig_key_name, bind.tsig_secret

``extra_zones`` (``{zone: records}``) adds zones the server is authoritative for (``"."``
makes every other name NXDOMAIN, as the internet's DNS would, instead of REFUSED);
``broken_zones`` are declared with a zone file that does not load, so BIND answers SERVFAIL
for every name in them.
"""

import base64
import os
import secrets
import shutil
import socket
import subprocess
import textwrap
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update

NAMED = shutil.which("named") or "/usr/sbin/named"
DIG = shutil.which("dig") or "/usr/bin/dig"


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


def _zone_text(zone, records):
    server = "ns1.root." if zone == "." else f"ns1.{zone}."
    head = (
        f"$TTL 300\n@ IN SOA {server} hostmaster.{server} 1 3600 600 86400 300\n"
        f"@ IN NS {server}\n{server} IN A 127.0.0.1\n"
    )
    return head + textwrap.dedent(records)


def _zone_clause(zone, path, update_key=None):
    update = f'allow-update {{ key "{update_key}"; }};' if update_key else ""
    return f'zone "{zone}" {{ type primary; file "{path}"; {update} }};\n'


class BindServer:
    def __init__(self, directory, zone, records="", extra_zones=None, broken_zones=()):
        self.directory = directory
        self.zone = zone
        self.records = records
        self.extra_zones = dict(extra_zones or {})
        self.broken_zones = tuple(broken_zones)
        self.port = free_port()
        self.tsig_key_name = "salt-test"
        self.tsig_algorithm = "hmac-sha256"
        self.tsig_secret = base64.b64encode(secrets.token_bytes(32)).decode()
        self.process = None

    def _write_config(self):
        d = self.directory
        (d / "zone.db").write_text(
            textwrap.dedent(
                f"""\
                $TTL 300
                @ IN SOA ns1.{self.zone}. hostmaster.{self.zone}. 1 3600 600 86400 300
                @ IN NS ns1.{self.zone}.
                ns1 IN A 127.0.0.1
                """
            )
            + textwrap.dedent(self.records)
        )
        (d / "named.conf").write_text(
            textwrap.dedent(
                f"""\
                key "{self.tsig_key_name}" {{
                    algorithm {self.tsig_algorithm};
                    secret "{self.tsig_secret}";
                }};
                options {{
                    directory "{d}";
                    pid-file "{d}/named.pid";
                    session-keyfile "{d}/session.key";
                    listen-on port {self.port} {{ 127.0.0.1; }};
                    listen-on-v6 {{ none; }};
                    recursion no;
                    dnssec-validation no;
                    allow-transfer {{ none; }};
                }};
                controls {{ }};
                zone "{self.zone}" {{
                    type primary;
                    file "{d}/zone.db";
                    allow-update {{ key "{self.tsig_key_name}"; }};
                }};
                """
            )
            + self._more_zones()
        )

    def _more_zones(self):
        clauses = ""
        for position, (zone, records) in enumerate(self.extra_zones.items()):
            path = self.directory / f"extra{position}.db"
            path.write_text(_zone_text(zone, records))
            clauses += _zone_clause(zone, path, self.tsig_key_name)
        for position, zone in enumerate(self.broken_zones):
            path = self.directory / f"broken{position}.db"
            path.write_text("this is not a zone file\n")
            clauses += _zone_clause(zone, path)
        return clauses

    def start(self):
        self._write_config()
        command = [NAMED, "-g", "-c", str(self.directory / "named.conf")]
        if os.geteuid() == 0:
            # named drops root for this user; it must be able to write the directory.
            command += ["-u", "root"]
        self.log = open(self.directory / "named.log", "w")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"named exited: {(self.directory / 'named.log').read_text()}")
            try:
                if self.query(self.zone, "SOA").rcode() == dns.rcode.NOERROR:
                    return self
            except (dns.exception.Timeout, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("named did not answer within 20 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def resolver(self):
        return f"127.0.0.1:{self.port}"

    def settings(self):
        """The ``dns`` argument of a state for this server (provider rfc2136)."""
        return {
            "provider": "rfc2136",
            "zone": self.zone,
            "server": "127.0.0.1",
            "port": self.port,
            "tsig_key_name": self.tsig_key_name,
            "tsig_secret": self.tsig_secret,
            "tsig_algorithm": self.tsig_algorithm,
        }

    def query(self, name, rtype):
        message = dns.message.make_query(name, rtype)
        return dns.query.udp(message, "127.0.0.1", port=self.port, timeout=2)

    def dig(self, name, rtype):
        """``dig +short`` lines: what an operator would see."""
        proc = subprocess.run(
            [DIG, "@127.0.0.1", "-p", str(self.port), "+short", "+norecurse", name, rtype],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return sorted(line for line in proc.stdout.splitlines() if line)

    def tamper(self, name, rtype, *values, ttl=300, zone=None):
        """Replace a record set out of band (as an operator at the DNS host would)."""
        key = dns.tsig.Key(self.tsig_key_name, self.tsig_secret, self.tsig_algorithm)
        update = dns.update.UpdateMessage((zone or self.zone).rstrip(".") + ".", keyring=key)
        if values:
            update.replace(name + ".", ttl, rtype, *values)
        else:
            update.delete(name + ".", rtype)
        response = dns.query.tcp(update, "127.0.0.1", port=self.port, timeout=5)
        assert response.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(response.rcode())
