"""The aws_runbook pillar schema: the lines ``validate`` gives, that the pillars we ship and
test with pass, and that each group's keys are its state's arguments with their defaults."""

import importlib
import inspect
import sys

import pytest
import yaml
from awsrunbook import pillarschema as schema

from tests.conftest import REPO
from tests.support import sls as support_sls

TYPES = {"string", "integer", "number", "boolean", "list", "mapping", "null"}


def test_an_unknown_key_of_a_section_names_the_closest_known_one():
    tree = {"backup": {"bukets": {"ocp-x-backup": {}}}}

    assert schema.validate(tree) == [
        "aws_runbook:backup:bukets: unknown key; did you mean buckets?"
    ]


def test_an_unknown_argument_of_an_entry_names_the_closest_known_one():
    tree = {"backup": {"users": {"x-backup": {"bucket": "b", "pilar_file": "private/x.sls"}}}}

    assert schema.validate(tree) == [
        "aws_runbook:backup:users:x-backup:pilar_file: unknown key; did you mean pillar_file?"
    ]


def test_an_unknown_section_names_the_closest_known_one_or_lists_them():
    assert schema.validate({"bakup": {}, "zzz": 1}) == [
        "aws_runbook:bakup: unknown section; did you mean backup?",
        "aws_runbook:zzz: unknown section; known: connection, backup, ses, ses_sending, databases",
    ]


@pytest.mark.parametrize("path", ["../x.sls", "private/../../x.sls", ".."])
def test_a_relative_pillar_file_may_not_leave_the_pillar_root(path):
    tree = {"ses_sending": {"smtp_users": {"smtp-x": {"pillar_file": path}}}}

    assert schema.validate(tree) == [
        f"aws_runbook:ses_sending:smtp_users:smtp-x:pillar_file: {path}: a relative path must "
        "stay inside the pillar root (no '..' parts); give an absolute path for a file "
        "elsewhere"
    ]


@pytest.mark.parametrize("path", ["private/x.sls", "/srv/pillar/../elsewhere/x.sls", "a..b.sls"])
def test_other_pillar_files_pass(path):
    assert schema.validate({"backup": {"users": {"u": {"pillar_file": path}}}}) == []


@pytest.mark.parametrize(
    ("tree", "line"),
    [
        (
            {"backup": {"users": {"u": {"rotate_after_days": True}}}},
            "aws_runbook:backup:users:u:rotate_after_days: must be an integer or null, "
            "not a boolean",
        ),
        (
            {"backup": {"buckets": {"b": {"expire_days": "30"}}}},
            "aws_runbook:backup:buckets:b:expire_days: must be an integer or null, not a string",
        ),
        (
            {"backup": {"buckets": ["a", "b"]}},
            "aws_runbook:backup:buckets: must be a mapping, not a list",
        ),
        (
            {"ses": {"identities": {"example.org": "yes"}}},
            "aws_runbook:ses:identities:example.org: must be a mapping, not a string",
        ),
        ({"databases": []}, "aws_runbook:databases: must be a mapping, not a list"),
        (
            {"databases": {"security_groups": {"sg": {"name": 5}}}},
            "aws_runbook:databases:security_groups:sg:name: must be a string, not an integer",
        ),
        (
            {"databases": {"clusters": {"c": {"min_capacity": "0.5"}}}},
            "aws_runbook:databases:clusters:c:min_capacity: must be a number, not a string",
        ),
        (
            {"ses_sending": {"accounts": {"us-east-1": {"absent": True}}}},
            "aws_runbook:ses_sending:accounts:us-east-1:absent: unknown key; known: "
            "suppressed_reasons, sending_enabled, production_access, region, profile, keyid, "
            "key, role_arn",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_named(tree, line):
    assert schema.validate(tree) == [line]


def test_a_whole_tree_that_is_not_a_mapping():
    assert schema.validate(["backup"]) == ["aws_runbook: must be a mapping, not a list"]


def test_no_aws_runbook_pillar_and_empty_sections_are_fine():
    assert schema.validate(None) == []
    assert schema.validate({"backup": None, "connection": None, "ses": {"identities": None}}) == []


def test_numbers_take_integers_but_no_type_takes_a_boolean_for_a_number():
    clusters = {"c": {"min_capacity": 0, "max_capacity": 2.5}}
    assert schema.validate({"databases": {"clusters": clusters}}) == []
    bad = {"c": {"max_capacity": True}}
    assert schema.validate({"databases": {"clusters": bad}}) == [
        "aws_runbook:databases:clusters:c:max_capacity: must be a number, not a boolean"
    ]


def test_a_secret_value_never_appears_in_a_line():
    secret = ["s3cr3t-value-do-not-print"]
    lines = schema.validate({"connection": {"key": secret}, "backup": {"users": {"u": secret}}})

    assert lines == [
        "aws_runbook:connection:key: must be a string or null, not a list",
        "aws_runbook:backup:users:u: must be a mapping, not a list",
    ]
    assert not any(secret[0] in line for line in lines)


def _aws_runbook(path):
    return (yaml.safe_load(path.read_text()) or {}).get("aws_runbook")


@pytest.mark.parametrize(
    "path",
    sorted(
        [*(REPO / "pillar.example").rglob("*.sls"), *(REPO / "tests/fixtures/pillar").glob("*.sls")]
    ),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_the_pillars_we_ship_and_test_with_pass(path):
    assert schema.validate(_aws_runbook(path)) == []


COMMENTED_OUT_EXAMPLES = """
backup:
  buckets:
    ocp-old-backup: {absent: true, force: true}
    ocp-db1-backup:
      region: eu-west-2
      rules:
        delete-after-30-days: {prefix: incremental, expire_days: 30}
  users:
    db1-backup:
      bucket: ocp-db1-backup
      region: eu-west-2
      pillar_file: private/db1.sls
      pillar_keys: {access_key_id: [aws:access_key, postgres:backup:s3_key]}
ses:
  identities:
    open-contracting.org:
      dmarc: false
      dns: {provider: cloudflare, zone: open-contracting.org}
      check_dns: true
      wait: 600
    noreply@open-contracting.org:
      verify: {via: receipt_rule, timeout: 900}
    old.open-contracting.org: {absent: true}
ses_sending:
  smtp_users:
    ses-smtp-mailer: {regions: [us-east-1, eu-west-1], pillar_file: private/mailer.sls}
    ses-smtp-old: {absent: true, regions: [us-east-1], pillar_file: private/old.sls}
  configuration_sets:
    credere:
      reputation_metrics: true
      sending_enabled: true
      suppressed_reasons: [BOUNCE, COMPLAINT]
      custom_redirect_domain: track.open-contracting.org
databases:
  instances:
    analytics:
      pillar_file: private/analytics.sls
      engine_version: latest
      wait: 1200
      rotate_password_after_days: 180
    old-analytics: {absent: true, final_snapshot: old-analytics-final}
  clusters:
    common:
      pillar_file: private/common.sls
      vpc: aurora
      subnets: [aurora-a, aurora-b]
      min_capacity: 0
      seconds_until_auto_pause: 3600
      max_capacity: 2
"""


def test_the_examples_commented_out_in_pillar_example_pass():
    assert schema.validate(yaml.safe_load(COMMENTED_OUT_EXAMPLES)) == []


def test_the_test_suites_pillar_builders_pass():
    tree = yaml.safe_load(support_sls.backup_pillar(3, "p"))["aws_runbook"]
    assert tree["backup"]["buckets"] and tree["backup"]["users"]
    assert schema.validate(tree) == []


def _groups():
    return [
        (f"{section}:{name}", group)
        for section, value in schema.SECTIONS.items()
        for name, group in value.get("groups", {}).items()
    ]


@pytest.fixture(scope="module")
def state_modules():
    for folder in ("_modules", "_states"):
        sys.path.insert(0, str(REPO / folder))
    yield lambda name: importlib.import_module(name)
    for folder in ("_modules", "_states"):
        sys.path.remove(str(REPO / folder))


def _arguments(module, functions):
    found = {}
    for function in reversed(functions):  # present's default wins over absent's
        for name, parameter in inspect.signature(getattr(module, function)).parameters.items():
            if name != "name" and parameter.kind is not parameter.VAR_KEYWORD:
                found[name] = parameter.default
    return found


@pytest.mark.parametrize(
    ("path", "group"), _groups(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_groups_keys_are_its_states_arguments_with_their_defaults(state_modules, path, group):
    arguments = _arguments(state_modules(group["state"]), group["functions"])
    own = set(group["keys"]) - set(schema.CONNECTION) - set(schema.ENTRY_KEYS)

    assert own == set(arguments), path
    for name in own:
        default = arguments[name]
        expected = list(default) if isinstance(default, tuple) else default
        assert group["keys"][name]["default"] == expected, f"{path}:{name}"
    assert set(schema.CONNECTION) <= set(group["keys"])


def _every_key():
    for name, section in schema.SECTIONS.items():
        for key, spec in section.get("keys", {}).items():
            yield f"{name}:{key}", spec
        for path, group in _groups():
            if path.startswith(f"{name}:"):
                yield from ((f"{path}:{key}", spec) for key, spec in group["keys"].items())


@pytest.mark.parametrize(
    ("path", "spec"), list(_every_key()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_key_has_known_types_a_meaning_and_a_default_it_accepts(path, spec):
    assert set(spec["types"]) <= TYPES and spec["types"]
    assert spec["meaning"].strip()
    if "default_text" not in spec:
        assert schema.validate(_tree_with(path, spec["default"])) == [], path


def _tree_with(path, value):
    parts = path.split(":")
    if len(parts) == 2:  # a section's setting
        return {parts[0]: {parts[1]: value}}
    section, group, key = parts
    return {section: {group: {"entry": {key: value}}}}
