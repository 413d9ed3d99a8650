"""SLS and pillar text for the tests that apply many buckets, backup users and SES domains at
once (read-ahead, batches)."""

import yaml

REGION = "eu-west-2"


def bucket(sid, name, extra=""):
    """A ``s3_backup_bucket.present`` state; ``extra``: more argument lines."""
    return f"""
{sid}:
  s3_backup_bucket.present:
    - name: {name}
    - region: {REGION}
{extra}"""


def user(sid, name, bucket_name, pillar_file, extra=""):
    """An ``iam_backup_user.present`` state; ``extra``: more argument lines."""
    return f"""
{sid}:
  iam_backup_user.present:
    - name: {name}
    - bucket: {bucket_name}
    - pillar_file: {pillar_file}
    - region: {REGION}
{extra}"""


def domain(sid, name, topic):
    """An ``ses_identity.present`` domain with bounce and complaint notifications to
    ``topic``."""
    return f"""
{sid}:
  ses_identity.present:
    - name: {name}
    - region: {REGION}
    - notifications: {{topic: {topic}, subscribers: [ops@example.org]}}
"""


def users(tmp_path, n, prefix, policy_name=None):
    """``n`` backup users ``user-I`` of one bucket, each with its own policy unless
    ``policy_name``."""
    shared = f"    - policy_name: {policy_name}\n" if policy_name else ""

    def pillar_file(i):
        return tmp_path / f"{prefix}-{i}.sls"

    return "".join(
        user(
            f"user-{i}",
            f"{prefix}-user-{i}",
            f"{prefix}-bucket",
            tmp_path / f"{prefix}-{i}.sls",
            shared,
        )
        for i in range(n)
    )


def backup_pillar(n, prefix):
    """Pillar for ``aws_runbook.backup``: ``n`` buckets ``PREFIX-backup-I`` and backup users
    ``PREFIX-user-I`` of them, whose credentials go to ``private/PREFIX-I.sls``."""
    return yaml.safe_dump(
        {
            "aws_runbook": {
                "connection": {"region": REGION},
                "backup": {
                    "buckets": {f"{prefix}-backup-{i}": {} for i in range(n)},
                    "users": {
                        f"{prefix}-user-{i}": {
                            "bucket": f"{prefix}-backup-{i}",
                            "pillar_file": f"private/{prefix}-{i}.sls",
                        }
                        for i in range(n)
                    },
                },
            }
        }
    )
