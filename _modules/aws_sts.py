"""AWS STS: who the connection's credentials are. One ``GetCallerIdentity`` per credentials
per run, shared by every module of this extension through ``__context__``.

CLI example::

    salt-call aws_sts.caller_identity
"""

from typing import TYPE_CHECKING

from awsrunbook import arn as arns
from awsrunbook import client as aws
from awsrunbook import regions

__virtualname__ = "aws_sts"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __salt__


def __virtual__():
    return __virtualname__


def caller_identity(**kwargs):
    """The account and partition the connection's credentials belong to:
    ``{"account": "123456789012", "partition": "aws"}``.

    CLI example::

        salt-call aws_sts.caller_identity
    """
    conn = aws.split_connection_args(kwargs)
    return aws.caller_identity(conn, __salt__.get("config.option"), __context__)


def regional_arn(service, resource, **kwargs):
    """The ARN ``resource`` of ``service`` (``sns``, ``sqs``: a topic or queue name) has, or
    would have, in the connection's account and region.

    CLI example::

        salt-call aws_sts.regional_arn sns ses-feedback region=eu-west-1
    """
    conn = aws.split_connection_args(kwargs)
    who = caller_identity(**conn)
    region = aws.region_of(conn, __salt__.get("config.option"))
    partition = regions.partition_of(region)
    return arns.arn(service, resource, partition=partition, region=region, account=who["account"])
