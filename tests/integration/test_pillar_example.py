"""pillar.example, as a new user copies it: `state.apply aws_runbook` creates everything, a
second run changes and writes nothing, and the private pillar files get the credentials."""

import shutil
import stat

import yaml

from tests.conftest import REPO


def test_example_pillar_applies_and_converges(salt_call, moto_server, aws_cli):
    shutil.rmtree(salt_call.pillar_root)
    shutil.copytree(REPO / "pillar.example", salt_call.pillar_root)
    # The example's management minion is called aws-admin.
    minion = salt_call.conf / "minion"
    minion.write_text(minion.read_text().replace("id: integration-minion", "id: aws-admin"))

    first_proc, first = salt_call.state_apply("aws_runbook")
    assert first_proc.returncode == 0, first_proc.stdout
    assert all(r["result"] is True and r["changes"] for r in first.values()), first
    assert len(first) == 12  # backup 4, SES 5, database network 3 (the databases are commented out)

    moto_server.reset_counts()
    _, second = salt_call.state_apply("aws_runbook")
    assert all(r["result"] is True and r["changes"] == {} for r in second.values()), second
    assert moto_server.writes() == []
    print(f"converged pillar.example: {len(moto_server.calls())} read calls, 0 writes")

    redmine = salt_call.pillar_root / "private" / "redmine.sls"
    data = yaml.safe_load(redmine.read_text())
    assert stat.S_IMODE(redmine.stat().st_mode) == 0o600
    assert redmine.read_text().startswith((REPO / "pillar.example/private/redmine.sls").read_text())
    assert data["smtp"]["host"] == "email-smtp.us-east-1.amazonaws.com"
    assert data["smtp"]["port"] == 587
    keys = aws_cli("iam", "list-access-keys", "--user-name", "redmine-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [data["aws"]["access_key"]]
    for secret in (data["aws"]["secret_key"], data["smtp"]["password"]):
        assert secret not in first_proc.stdout
        assert secret not in salt_call.log_file.read_text()
