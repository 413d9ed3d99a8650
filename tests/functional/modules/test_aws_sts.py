"""aws_sts through Salt's loader against moto's in-process STS: who the credentials are, asked
once per credentials per run, and the ARNs built from it."""

import awsrunbook.client
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError

from tests.support.calls import recorded_calls

ACCOUNT = "123456789012"  # moto's default account


def test_caller_identity_is_asked_once_per_credentials(modules):
    with recorded_calls() as calls:
        first = modules.aws_sts.caller_identity(region="us-east-1")
        again = modules.aws_sts.caller_identity(region="eu-west-1")  # same credentials
        other = modules.aws_sts.caller_identity(region="us-east-1", keyid="AKIAOTHER", key="k")
    assert first == again == other == {"account": ACCOUNT, "partition": "aws"}
    assert calls == [("sts", "GetCallerIdentity")] * 2


def test_the_answer_is_a_copy_callers_cannot_spoil(modules):
    modules.aws_sts.caller_identity(region="us-east-1")["account"] = "999999999999"
    assert modules.aws_sts.caller_identity(region="us-east-1")["account"] == ACCOUNT


@pytest.mark.parametrize(
    ("service", "region", "arn"),
    [
        ("sns", "eu-west-1", f"arn:aws:sns:eu-west-1:{ACCOUNT}:ses-feedback"),
        ("sqs", "us-east-1", f"arn:aws:sqs:us-east-1:{ACCOUNT}:ses-feedback"),
        ("sns", "cn-north-1", f"arn:aws-cn:sns:cn-north-1:{ACCOUNT}:ses-feedback"),
    ],
)
def test_regional_arn_in_the_regions_partition(modules, service, region, arn):
    assert modules.aws_sts.regional_arn(service, "ses-feedback", region=region) == arn


def test_a_refusal_names_the_operation(modules):
    client = awsrunbook.client.client("sts", {"region": "us-east-1"})
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_caller_identity", "InvalidClientTokenId", "The security token is invalid."
        )
        with pytest.raises(CommandExecutionError) as raised:
            modules.aws_sts.caller_identity(region="us-east-1")
    assert str(raised.value) == (
        "GetCallerIdentity on the caller failed: InvalidClientTokenId: "
        "The security token is invalid."
    )
