"""The engine's decorator seen from a real `salt-call --local`: Salt reads each state
function's own arguments and documentation (``sys.state_argspec``, ``sys.state_doc``, what
``map.jinja`` and ``format_call`` use), never the body's ``run``."""

import json


def test_salt_sees_each_state_functions_own_arguments_and_documentation(salt_call):
    proc = salt_call.run("sys.state_argspec", "s3_backup_bucket.present")
    spec = json.loads(proc.stdout)["local"]["s3_backup_bucket.present"]
    assert spec["args"] == [
        "name",
        "expire_days",
        "abort_multipart_days",
        "rule_name",
        "prefix",
        "rules",
        "exclusive_lifecycle",
    ]
    assert spec["defaults"] == [30, "default", None, None, None, False]
    assert spec["kwargs"] is True
    for function in ("iam_backup_user.absent", "ses_identity.present", "rds_postgres.absent"):
        proc = salt_call.run("sys.state_argspec", function)
        assert "run" not in json.loads(proc.stdout)["local"][function]["args"]
    proc = salt_call.run("sys.state_doc", "s3_backup_bucket.present")
    doc = json.loads(proc.stdout)["local"]["s3_backup_bucket.present"]
    assert doc.startswith("Ensure the backup bucket ``name`` exists")
