"""Every bad input we know, rejected before any AWS or DNS call with an error naming the
argument (issue 21 item 9). One table across every state and the execution modules that take
settings: each case asserts zero AWS API calls and zero socket traffic (DNS, Cloudflare's API,
SMTP), and that the error starts with the argument's name. The last test prints the figure
(rejected before any call / tried).

Cases the per-state test files also hold are here too, so that this one table is the whole
list. Two cases need a read to be known, and are refused after that read, before any write:
two named subnets in one zone (``test_rds_aurora_postgres``,
``test_two_subnets_in_one_zone_are_refused_before_any_write``) and an ``az_index`` from 0 to 5
past a smaller region's last zone (``test_awsrunbook_ec2``,
``test_zone_index_resolves_and_past_the_end_fails``: the plan fails before its first step);
an ``az_index`` of 6 or more, which no region has, is refused here with no call."""

import pytest
import yaml
from salt.exceptions import SaltInvocationError

from tests.support import moto_rds_patches
from tests.support.calls import recorded_network_calls

moto_rds_patches.apply()  # so that a case that slips through fails on its calls, not on moto

BUCKET = {"name": "ocp-backup", "region": "eu-west-2"}
DOMAIN = {"name": "noreply.example.org", "region": "us-east-1"}
RECORD = {"name": "www.example.org", "type": "A", "values": ["192.0.2.1"]}
CLOUDFLARE = {"provider": "cloudflare", "zone": "example.org"}
RFC2136 = {"provider": "rfc2136", "zone": "example.org", "server": "127.0.0.1", "port": 53}
TSIG = {**RFC2136, "tsig_key_name": "salt"}
SIBLING = "sibling-secret-never-shown"
PILLAR = {
    "cloudflare": {"api_token": {"token": "t0ken", "other": SIBLING}, "listed": [SIBLING]},
    "dns": {"tsig_secret": "", "mapped": {"secret": SIBLING}},
    "smtp_mapped": {"host": "127.0.0.1", "username": "AKIA", "password": {"pw": SIBLING}},
    "smtp_listed": [SIBLING],
}
LOOKUP = {"zone": "example.org", "name": "example.org", "rtype": "TXT"}
MAIL = {"sender": "noreply@example.org", "recipient": "ops@example.org"}
VPC = {"name": "aurora", "cidr": "10.0.0.0/16", "region": "eu-west-2"}
AURORA = {"name": "common", "vpc": "aurora", "region": "us-east-1"}
RDS = {"name": "analytics", "region": "us-east-1"}
SMTP = {"name": "ses-smtp-web1"}
USER = {
    "name": "web1-backup",
    "bucket": "ocp-backup",
    "region": "eu-west-2",
    "pillar_file": "/tmp/w.sls",
}


@pytest.fixture(scope="module")
def minion_opts(minion_opts, tmp_path_factory):
    """The functional tier's minion with ``PILLAR`` in its pillar (rendered from pillar_roots,
    as a minion's is), for the settings that read a secret from pillar."""
    root = tmp_path_factory.mktemp("pillar")
    (root / "top.sls").write_text("base:\n  '*':\n    - secrets\n")
    (root / "secrets.sls").write_text(yaml.safe_dump(PILLAR))
    return {**minion_opts, "pillar_roots": {"base": [str(root)]}}


def subnet(cidr, **zone):
    return {"cidr": cidr, **(zone or {"az_index": 0})}


# (function, arguments, the argument the error must name). Functions are states unless
# they start with "module:".
CASES = [
    # s3_backup_bucket
    ("s3_backup_bucket.present", {**BUCKET, "name": "Bad_Name"}, "name"),
    ("s3_backup_bucket.present", {**BUCKET, "expire_days": -1}, "expire_days"),
    ("s3_backup_bucket.present", {**BUCKET, "expire_days": 99999999999}, "expire_days"),
    ("s3_backup_bucket.present", {**BUCKET, "abort_multipart_days": 0}, "abort_multipart_days"),
    ("s3_backup_bucket.present", {**BUCKET, "region": "mars-north-1"}, "region"),
    ("s3_backup_bucket.present", {**BUCKET, "exclusive_lifecycle": "yes"}, "exclusive_lifecycle"),
    ("s3_backup_bucket.present", {**BUCKET, "expire_dayz": 3}, "expire_dayz"),
    ("s3_backup_bucket.present", {**BUCKET, "rules": {"r": {"prefix": "a*"}}}, "rules:r:prefix"),
    ("s3_backup_bucket.present", {**BUCKET, "rules": {}}, "rules"),
    (
        "s3_backup_bucket.present",
        {
            **BUCKET,
            "rules": {
                "delete-after-30-days": {"expire_days": 30},
                "pgbackrest-uploads": {"prefix": "pgbackrest", "expire_days": None},
            },
        },
        "rules:pgbackrest-uploads",
    ),
    ("s3_backup_bucket.present", {**BUCKET, "profile": "nosuchprofile"}, "profile"),
    ("s3_backup_bucket.present", {**BUCKET, "profile": ["a"]}, "profile"),
    ("s3_backup_bucket.present", {**BUCKET, "keyid": "AKIAEXAMPLE"}, "key"),
    ("s3_backup_bucket.absent", {**BUCKET, "force": "yes"}, "force"),
    # iam_backup_user
    ("iam_backup_user.present", {**USER, "name": "bad name"}, "name"),
    ("iam_backup_user.present", {**USER, "bucket": "Bad_Bucket"}, "bucket"),
    ("iam_backup_user.present", {**USER, "pillar_file": "relative.sls"}, "pillar_file"),
    ("iam_backup_user.present", {**USER, "bucket": None}, "bucket"),
    ("iam_backup_user.present", {**USER, "rotate_after_days": -5}, "rotate_after_days"),
    ("iam_backup_user.present", {**USER, "prefix": "a*"}, "prefix"),
    (
        "iam_backup_user.present",
        {**USER, "pillar_file": "/tmp/w.sls", "pillar_keys": {"secret_access_key": None}},
        "pillar_keys:secret_access_key",
    ),
    # ses_identity
    ("ses_identity.present", {**DOMAIN, "region": "ap-east-1"}, "region"),
    ("ses_identity.present", {**DOMAIN, "region": "us-east-9"}, "region"),
    ("ses_identity.present", {**DOMAIN, "dkim": "RSA_4096_BIT"}, "dkim"),
    ("ses_identity.present", {**DOMAIN, "wait": "soon"}, "wait"),
    ("ses_identity.present", {**DOMAIN, "colour": "blue"}, "colour"),
    (
        "ses_identity.present",
        {**DOMAIN, "behavior_on_mx_failure": "RejectMessage"},
        "behavior_on_mx_failure",
    ),
    (
        "ses_identity.present",
        {**DOMAIN, "notifications": {"topic": "x.fifo"}},
        "notifications:topic",
    ),
    ("ses_identity.present", {**DOMAIN, "name": "Ops@example.org", "dns": RFC2136}, "dns"),
    ("ses_identity.present", {**DOMAIN, "resolvers": ["127.0.0.1:0"]}, "resolvers"),
    (
        "ses_identity.present",
        {
            **DOMAIN,
            "dns": {**CLOUDFLARE, "api_token_pillar": "cloudflare:api_token"},
        },
        "dns:api_token_pillar",
    ),
    ("ses_identity.present", {**DOMAIN, "dns": {**RFC2136, "timeout": -1}}, "dns:timeout"),
    ("ses_identity.absent", {**DOMAIN, "region": "ap-east-1"}, "region"),
    # ses_configuration_set, ses_account, ses_smtp_user
    ("ses_configuration_set.present", {"name": "ocp", "region": "ap-east-1"}, "region"),
    ("ses_configuration_set.present", {"name": "bad name!", "region": "us-east-1"}, "name"),
    (
        "ses_configuration_set.present",
        {"name": "ocp", "region": "us-east-1", "suppressed_reasons": ["SPAM"]},
        "suppressed_reasons",
    ),
    (
        "ses_configuration_set.present",
        {"name": "ocp", "region": "us-east-1", "reputation_metrics": "yes"},
        "reputation_metrics",
    ),
    (
        "ses_configuration_set.present",
        {"name": "ocp", "region": "us-east-1", "event_destinations": {"d": {"events": ["SEND"]}}},
        "event_destinations:d:sns_topic",
    ),
    ("ses_account.configured", {"name": "account", "sending_enabled": "no"}, "sending_enabled"),
    (
        "ses_account.configured",
        {"name": "account", "suppressed_reasons": ["BOUNCE", "SPAM"]},
        "suppressed_reasons",
    ),
    ("ses_account.configured", {"name": "account", "region": "ap-east-1"}, "region"),
    (
        "ses_smtp_user.present",
        {**SMTP, "pillar_file": "/tmp/x.sls", "regions": ["ap-east-1"]},
        "regions",
    ),
    ("ses_smtp_user.present", {**SMTP, "pillar_file": "/tmp/x.sls", "regions": []}, "regions"),
    # dns_record: every provider's settings, and the secrets they name
    ("dns_record.present", {**RECORD, "type": "SRV", "dns": RFC2136}, "type"),
    ("dns_record.present", {**RECORD, "values": ["nope"], "dns": RFC2136}, "values"),
    ("dns_record.present", {**RECORD, "name": "a.example.com", "dns": RFC2136}, "name"),
    ("dns_record.present", {**RECORD, "ttl": "soon", "dns": RFC2136}, "ttl"),
    (
        "dns_record.present",
        {**RECORD, "dns": {"provider": "godaddy", "zone": "example.org"}},
        "dns:provider",
    ),
    ("dns_record.present", {**RECORD, "dns": {**RFC2136, "port": "53"}}, "dns:port"),
    ("dns_record.present", {**RECORD, "dns": {**RFC2136, "timeout": -1}}, "dns:timeout"),
    ("dns_record.present", {**RECORD, "dns": {**RFC2136, "timeout": "soon"}}, "dns:timeout"),
    (
        "dns_record.present",
        {**RECORD, "dns": {**CLOUDFLARE, "api_token": "t", "timeout": -5}},
        "dns:timeout",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {**CLOUDFLARE, "api_token": "t", "timeout": "x"}},
        "dns:timeout",
    ),
    (
        "dns_record.present",
        {
            **RECORD,
            "dns": {**CLOUDFLARE, "api_token_pillar": "cloudflare:api_token"},
        },
        "dns:api_token_pillar",
    ),
    (
        "dns_record.present",
        {
            **RECORD,
            "dns": {**CLOUDFLARE, "api_token_pillar": "cloudflare:listed"},
        },
        "dns:api_token_pillar",
    ),
    ("dns_record.present", {**RECORD, "dns": {**CLOUDFLARE, "api_token": ""}}, "dns:api_token"),
    (
        "dns_record.present",
        {**RECORD, "dns": {**CLOUDFLARE, "api_token": {"t": SIBLING}}},
        "dns:api_token",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {**TSIG, "tsig_secret_pillar": "dns:tsig_secret"}},
        "dns:tsig_secret_pillar",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {**TSIG, "tsig_secret_pillar": "dns:mapped"}},
        "dns:tsig_secret_pillar",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {**TSIG, "tsig_secret": "not base64!"}},
        "dns:tsig_secret",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {**TSIG, "tsig_algorithm": "md5", "tsig_secret": "c2VjcmV0"}},
        "dns:tsig_algorithm",
    ),
    (
        "dns_record.present",
        {**RECORD, "dns": {"provider": "route53", "zone": "example.org", "wait": True}},
        "dns:wait",
    ),
    # the DNS providers' execution modules called directly (CLI)
    (
        "module:cloudflare_dns.get_records",
        {**LOOKUP, "api_token_pillar": "cloudflare:api_token"},
        "api_token_pillar",
    ),
    (
        "module:cloudflare_dns.get_records",
        {**LOOKUP, "api_token": "t", "timeout": "soon"},
        "timeout",
    ),
    ("module:rfc2136.get_records", {**LOOKUP, "server": "127.0.0.1", "timeout": -3}, "timeout"),
    (
        "module:rfc2136.get_records",
        {
            **LOOKUP,
            "server": "127.0.0.1",
            "tsig_key_name": "salt",
            "tsig_secret_pillar": "dns:mapped",
        },
        "tsig_secret_pillar",
    ),
    (
        "module:aws_ses.identity_status",
        {"identity": "example.org", "region": "ap-east-1"},
        "region",
    ),
    ("module:aws_ses_smtp.send_test_email", {**MAIL, "pillar_key": "smtp_mapped"}, "password"),
    ("module:aws_ses_smtp.send_test_email", {**MAIL, "pillar_key": "smtp_listed"}, "pillar_key"),
    (
        "module:aws_ses_smtp.send_test_email",
        {**MAIL, "pillar_key": "smtp_mapped", "password": "pw", "port": "smtp"},
        "port",
    ),
    # ec2_vpc
    ("ec2_vpc.present", {**VPC, "cidr": "10.0.0.0/8"}, "cidr"),
    ("ec2_vpc.present", {**VPC, "subnets": {"a": subnet("10.1.0.0/24")}}, "subnets:a:cidr"),
    (
        "ec2_vpc.present",
        {**VPC, "subnets": {"a": subnet("10.0.1.0/24", az_index=-1)}},
        "subnets:a:az_index",
    ),
    (
        "ec2_vpc.present",
        {**VPC, "subnets": {"a": subnet("10.0.1.0/24", az_index=6)}},
        "subnets:a:az_index",
    ),
    (
        "ec2_vpc.present",
        {**VPC, "subnets": {"a": subnet("10.0.1.0/24", az="us-east-1a")}},
        "subnets:a:az",
    ),
    # ec2_security_group
    (
        "ec2_security_group.present",
        {"name": "pg", "description": None, "region": "us-east-1"},
        "description",
    ),
    (
        "ec2_security_group.present",
        {
            "name": "pg",
            "description": "d",
            "region": "us-east-1",
            "ingress": [{"protocol": "tcp", "port": 5432, "cidr": "10.0.0.1/8"}],
        },
        "ingress[0]:cidr",
    ),
    (
        "ec2_security_group.present",
        {
            "name": "pg",
            "description": "d",
            "region": "us-east-1",
            "ingress": [{"protocol": "tcp", "port": 70000, "cidr": "0.0.0.0/0"}],
        },
        "ingress[0]:port",
    ),
    # rds_postgres, rds_aurora_postgres
    (
        "rds_postgres.present",
        {**RDS, "pillar_file": "/tmp/p.sls", "instance_class": "db.t3.mirco"},
        "instance_class",
    ),
    (
        "rds_postgres.present",
        {**RDS, "pillar_file": "/tmp/p.sls", "allocated_storage": 19},
        "allocated_storage",
    ),
    (
        "rds_postgres.present",
        {**RDS, "pillar_file": "/tmp/p.sls", "engine_version": "seventeen"},
        "engine_version",
    ),
    ("rds_postgres.present", {**RDS, "pillar_file": "relative.sls"}, "pillar_file"),
    (
        "rds_postgres.present",
        {**RDS, "pillar_file": "/tmp/p.sls", "pillar_keys": {"password": None}},
        "pillar_keys:password",
    ),
    (
        "rds_postgres.present",
        {**RDS, "pillar_file": "/tmp/p.sls", "password_length": 7},
        "password_length",
    ),
    (
        "rds_aurora_postgres.present",
        {
            **AURORA,
            "pillar_file": "/tmp/p.sls",
            "subnets": ["aurora-a", "aurora-b"],
            "pillar_keys": {"password": None},
        },
        "pillar_keys:password",
    ),
    (
        "rds_aurora_postgres.present",
        {**AURORA, "pillar_file": "/tmp/p.sls", "subnets": ["aurora-a"]},
        "subnets",
    ),
    (
        "rds_aurora_postgres.present",
        {**AURORA, "pillar_file": "/tmp/p.sls", "subnets": ["aurora-a", "aurora-a"]},
        "subnets",
    ),
    (
        "rds_aurora_postgres.present",
        {**AURORA, "pillar_file": "/tmp/p.sls", "subnets": "aurora-a"},
        "subnets",
    ),
    (
        "rds_aurora_postgres.present",
        {
            **AURORA,
            "pillar_file": "/tmp/p.sls",
            "subnets": ["aurora-a", "aurora-b"],
            "min_capacity": 0.3,
        },
        "min_capacity",
    ),
]


def attempt(loaders, function, args):
    """``(rejected before any call, error text, calls)`` for one case."""
    args = dict(args)
    if function.startswith("module:"):
        module = loaders.modules[function.split(":", 1)[1]]
        with recorded_network_calls() as calls:
            try:
                module(**args)
                text = ""
            except SaltInvocationError as exc:
                text = str(exc)
            except Exception as exc:  # a traceback is a failure to report
                text = f"traceback: {type(exc).__name__}: {exc}"
        return text, calls
    with recorded_network_calls() as calls:
        ret = loaders.modules.state.single(function, **args)
    return ("" if ret.result is not False else ret.comment), calls


def test_every_bad_input_is_rejected_before_any_call(loaders, aws):
    failures = []
    for function, args, arg in CASES:
        text, calls = attempt(loaders, function, args)
        if not text.startswith(f"{arg}:") or SIBLING in text or calls:
            failures.append(f"{function} {args!r}: {arg} expected; got {text!r}, calls {calls}")
    rejected = len(CASES) - len(failures)
    print(f"\nbad inputs rejected before any call: {rejected} / {len(CASES)} tried")
    assert failures == [], "\n".join(failures)
