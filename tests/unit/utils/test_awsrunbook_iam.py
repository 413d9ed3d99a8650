"""IAM policy documents, their comparison, and what IAM says of users and policies."""

from awsrunbook import iam


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


ARN = "arn:aws:iam::123456789012:policy/"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}


def detail(name, version="v2", **extra):
    """A ``ManagedPolicyDetail`` as GetAccountAuthorizationDetails gives it."""
    older = {"VersionId": "v1", "IsDefaultVersion": version == "v1", "Document": {"old": 1}}
    newer = {"VersionId": "v2", "IsDefaultVersion": version == "v2", "Document": DOC}
    return {
        "Arn": ARN + name,
        "DefaultVersionId": version,
        "AttachmentCount": 1,
        "PolicyVersionList": [older, newer],
        **extra,
    }


def test_the_account_listing_gives_what_the_single_reads_give():
    pages = [
        {
            "UserDetailList": [
                {
                    "UserName": "pg-backup",
                    "Arn": "arn:aws:iam::123456789012:user/pg-backup",
                    "AttachedManagedPolicies": [
                        {"PolicyName": "z", "PolicyArn": ARN + "z"},
                        {"PolicyName": "a", "PolicyArn": ARN + "a"},
                    ],
                },
                {"UserName": "bare", "Arn": "arn:aws:iam::123456789012:user/bare"},
            ],
            "Policies": [detail("a")],
        },
        {"UserDetailList": [], "Policies": [detail("z", version="v1")]},
    ]
    listing = iam.account_listing(pages)
    assert listing["users"] == {"pg-backup": [ARN + "a", ARN + "z"], "bare": []}
    assert listing["account_arn"] == "arn:aws:iam::123456789012:user/pg-backup"
    # The default version's document, whichever version that is; the shape of GetPolicy's.
    assert listing["policies"][ARN + "a"] == iam.policy_record(
        ARN + "a", {"DefaultVersionId": "v2", "AttachmentCount": 1}, DOC
    )
    assert listing["policies"][ARN + "z"]["document"] == {"old": 1}
    assert listing["policies"][ARN + "z"]["default_version"] == "v1"


def test_an_empty_account_lists_nothing():
    assert iam.account_listing([{"UserDetailList": [], "Policies": []}]) == {
        "users": {},
        "policies": {},
        "account_arn": None,
    }


def test_policy_documents_are_decoded_from_older_botocores_strings():
    assert iam.decoded_document('{"Version": "2012-10-17"}') == {"Version": "2012-10-17"}
    assert iam.decoded_document(DOC) is DOC
