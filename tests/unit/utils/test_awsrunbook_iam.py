"""IAM policy documents and their comparison."""

import awsrunbook_iam as iam


def test_backup_policy_documents():
    doc = iam.backup_policy_document("ocp-backup")
    assert doc["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::ocp-backup"]},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": ["arn:aws:s3:::ocp-backup/*"],
        },
    ]
    scoped = iam.backup_policy_document("pg", "kingfisher")
    assert scoped["Statement"][0]["Condition"] == {
        "StringEquals": {"s3:prefix": ["", "kingfisher"], "s3:delimiter": ["/"]}
    }
    assert scoped["Statement"][1]["Condition"] == {"StringLike": {"s3:prefix": ["kingfisher/*"]}}
    assert scoped["Statement"][2]["Resource"] == ["arn:aws:s3:::pg/kingfisher/*"]


def test_policy_comparison_ignores_iam_spelling_but_not_content():
    doc = iam.backup_policy_document("b")
    respelled = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"},
            {
                "Effect": "Allow",
                "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                "Resource": ["arn:aws:s3:::b/*"],
            },
        ],
    }
    canon = iam.canonical_document
    assert canon(respelled) == canon(doc)
    widened = iam.backup_policy_document("b")
    widened["Statement"][1]["Action"].append("s3:*")
    assert canon(widened) != canon(doc)
