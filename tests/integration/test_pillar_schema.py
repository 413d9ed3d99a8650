"""A mistake in the aws_runbook pillar, through a real `salt-call --local state.apply
aws_runbook` against moto's server: the run's one state fails with one line naming the pillar
path (and the closest known name), and no AWS call is made. And a backup user whose bucket is
nowhere says so."""

import json

import pytest

TOP = "base:\n  '*':\n    - aws_runbook\n"

# One bucket and its user, in flow style: each mistake below edits one word of it.
VALID_BACKUP = """\
aws_runbook:
  connection: {region: eu-west-2}
  backup:
    buckets: {ocp-web1-backup: {}}
    users: {web1-backup: {bucket: ocp-web1-backup, pillar_file: private/web1.sls}}
"""


def _apply_with(salt_call, pillar, *extra):
    salt_call.write_pillar("top.sls", TOP)
    salt_call.write_pillar("aws_runbook.sls", pillar)
    salt_call.write_pillar("private/web1.sls", "web: {}\n")
    return salt_call.state_apply("aws_runbook", *extra)


def _only_failure(proc, results):
    """The comment of the run's one state, which failed."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert isinstance(results, dict), results  # states ran: no render error
    [(state_id, result)] = results.items()
    assert state_id.startswith("aws_runbook_schema_|-aws_runbook pillar_|-aws_runbook_|-")
    assert result["result"] is False and result["changes"] == {}
    return result["comment"]


USER = "aws_runbook:backup:users:web1-backup"
# id: (what the pillar says instead of VALID_BACKUP's words, the line the run answers)
MISTAKES = {
    "unknown-section": (
        ("  backup:", "  bakup:"),
        "aws_runbook:bakup: unknown section; did you mean backup?",
    ),
    "unknown-key": (
        ("buckets:", "bukets:"),
        "aws_runbook:backup:bukets: unknown key; did you mean buckets?",
    ),
    "unknown-argument": (
        ("pillar_file:", "pilar_file:"),
        f"{USER}:pilar_file: unknown key; did you mean pillar_file?",
    ),
    "dotdot-path": (
        ("private/", "../"),
        f"{USER}:pillar_file: ../web1.sls: a relative path must stay inside the pillar root "
        "(no '..' parts); give an absolute path for a file elsewhere",
    ),
    "wrong-type": (
        ("backup: {}", "backup: {expire_days: '30'}"),
        "aws_runbook:backup:buckets:ocp-web1-backup:expire_days: must be an integer or null, "
        "not a string",
    ),
    "list-for-mapping": (
        ("{ocp-web1-backup: {}}", "[ocp-web1-backup]"),
        "aws_runbook:backup:buckets: must be a mapping, not a list",
    ),
}


@pytest.mark.parametrize(("edit", "line"), MISTAKES.values(), ids=MISTAKES)
def test_a_pillar_mistake_is_one_line_and_no_aws_call(salt_call, moto_server, edit, line):
    assert edit[0] in VALID_BACKUP
    proc, results = _apply_with(salt_call, VALID_BACKUP.replace(*edit))

    assert _only_failure(proc, results) == line
    assert moto_server.calls() == []


def test_in_test_mode_too(salt_call, moto_server):
    proc, results = _apply_with(salt_call, VALID_BACKUP.replace("buckets:", "bukets:"), "test=True")

    assert _only_failure(proc, results) == (
        "aws_runbook:backup:bukets: unknown key; did you mean buckets?"
    )
    assert moto_server.calls() == []


def test_every_problem_is_a_line_of_its_own(salt_call, moto_server):
    pillar = VALID_BACKUP.replace("buckets:", "bukets:").replace("pillar_file:", "pilar_file:")
    proc, results = _apply_with(salt_call, pillar, "test=True")

    assert _only_failure(proc, results).splitlines() == [
        "aws_runbook:backup:bukets: unknown key; did you mean buckets?",
        "aws_runbook:backup:users:web1-backup:pilar_file: unknown key; did you mean pillar_file?",
    ]
    assert moto_server.calls() == []


def test_what_the_operator_reads_has_the_line_and_no_traceback(salt_call, moto_server):
    salt_call.write_pillar("top.sls", TOP)
    salt_call.write_pillar("aws_runbook.sls", VALID_BACKUP.replace("private/", "../"))
    proc = salt_call.run("state.apply", "aws_runbook", "--out=highstate", "--no-color")

    assert proc.returncode == 1
    assert (
        "     Comment: aws_runbook:backup:users:web1-backup:pillar_file: ../web1.sls: a "
        "relative path must stay inside the pillar root (no '..' parts); give an absolute "
        "path for a file elsewhere\n"
    ) in proc.stdout
    assert "Failed:    1" in proc.stdout and "Total states run:     1" in proc.stdout
    for noise in ("Traceback", "Jinja", "Rendering SLS", "<======"):
        assert noise not in proc.stdout + proc.stderr
    assert moto_server.calls() == []


def test_a_backup_user_whose_bucket_is_nowhere_says_so(salt_call, aws_cli, moto_server):
    pillar = VALID_BACKUP.replace("bucket: ocp-web1-backup", "bucket: ocp-web1-bakup")
    assert pillar != VALID_BACKUP
    proc, results = _apply_with(salt_call, pillar)

    assert proc.returncode == 0, proc.stdout
    [user] = [r for key, r in results.items() if key.startswith("iam_backup_user_|-")]
    assert user["result"] is True and user["changes"]
    assert (
        "warning: bucket ocp-web1-bakup is not managed in this run and does not exist in AWS"
        in user["comment"].splitlines()
    )


def test_a_backup_user_of_a_bucket_made_in_the_run_or_already_there_has_no_warning(
    salt_call, aws_cli, moto_server
):
    aws_cli(
        "s3api",
        "create-bucket",
        "--bucket",
        "ocp-made-elsewhere",
        "--create-bucket-configuration",
        "LocationConstraint=eu-west-2",
    )
    pillar = VALID_BACKUP.replace(
        "users: {",
        "users: {web2-backup: {bucket: ocp-made-elsewhere, pillar_file: private/web2.sls}, ",
    )
    proc, results = _apply_with(salt_call, pillar, "test=True")

    assert proc.returncode == 0, proc.stdout
    users = {k: r for k, r in results.items() if k.startswith("iam_backup_user_|-")}
    assert len(users) == 2 and all(r["result"] is None for r in users.values()), users
    assert not any("warning" in r["comment"] for r in users.values()), json.dumps(users)
