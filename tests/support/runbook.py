"""What the runbook's console steps produce, as the AWS API returns it: the expected values
that several test tiers assert."""

# "Create lifecycle rule": delete-after-30-days, whole bucket, expire current versions after
# 30 days, abort incomplete multipart uploads after 7.
RUNBOOK_RULE = {
    "ID": "delete-after-30-days",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "Expiration": {"Days": 30},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}
