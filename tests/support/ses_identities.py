"""An SES domain identity as the unit tests of its planner and of the pure SES code see it."""

from awsrunbook import ses

DOMAIN = "example.org"
TOKENS = ["abc123tokenone", "def456tokentwo", "ghi789tokenthree"]


def converged(tokens=TOKENS):
    return {
        "type": "DOMAIN",
        "verification_status": "SUCCESS",
        "dkim": {
            "signing_enabled": True,
            "status": "SUCCESS",
            "tokens": tokens,
            "origin": "AWS_SES",
            "next_key_length": "RSA_2048_BIT",
            "current_key_length": "RSA_2048_BIT",
        },
        "mail_from": {
            "domain": "mail.example.org",
            "status": "SUCCESS",
            "behavior_on_mx_failure": "USE_DEFAULT_VALUE",
        },
        "feedback_forwarding": True,
        "configuration_set": None,
        "tags": {"team": "ops"},
    }


def desired(**overrides):
    args = {
        "mail_from_domain": "mail.example.org",
        "notifications": {"topic": "ops", "subscribers": ["ops@example.org"]},
        "tags": {"team": "ops"},
        **overrides,
    }
    return ses.desired_identity(DOMAIN, **args)
