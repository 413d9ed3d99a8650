"""Make moto's SQS backend (5.2.x) keep a queue's access policy as the AWS API reference
documents.

Loaded in-process by the functional tests (``apply()`` before ``moto.mock_aws``) and into the
moto server the integration tests start (``PATCH_MODULES`` in ``tests/support/moto_server.py``).
``apply()`` is idempotent and fills each gap only where its check (``moto_gaps``) finds it in
the installed moto. Each was seen in moto 5.2.5 and 5.2.6:

 1. ``sqs-set-attributes-keeps-policy``: ``SetQueueAttributes`` without a ``Policy``
    attribute (e.g. only ``VisibilityTimeout``) dropped the queue's ``Policy``. Now
    attributes not named are left as they are; an empty ``Policy`` still removes it, as on
    AWS.
 2. ``sqs-invalid-policy``: ``SetQueueAttributes`` with a ``Policy`` that is not a JSON object
    failed with a 500 (a Python ``JSONDecodeError``). Now it answers ``InvalidAttributeValue``
    (400), as AWS does.
"""

import json

from botocore.exceptions import ClientError
from moto.sqs import models as sqs_models

from tests.support import moto_gaps
from tests.support.moto_errors import AwsError

_MARK = "_awsrunbook_patched"
_PROBE_QUEUE = "moto-gap-probe"
_PROBE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": f"arn:aws:sqs:{moto_gaps.PROBE_REGION}:{moto_gaps.PROBE_ACCOUNT}:"
                + _PROBE_QUEUE,
            }
        ],
    }
)


def _checked_policy(attributes):
    policy = attributes.get("Policy")
    if not policy:
        return
    try:
        document = json.loads(policy)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise AwsError("InvalidAttributeValue", "Invalid value for the parameter Policy.")


def _wrap_keep_policy(original):
    def set_queue_attributes(self, queue_name, attributes):
        if "Policy" not in attributes:
            kept = self.get_queue(queue_name).policy
            attributes = {**attributes, "Policy": kept}
        return original(self, queue_name, attributes)

    return set_queue_attributes


def _wrap_check_policy(original):
    def set_queue_attributes(self, queue_name, attributes):
        _checked_policy(attributes)
        return original(self, queue_name, attributes)

    return set_queue_attributes


def _queue(probe):
    return probe.client("sqs").create_queue(QueueName=_PROBE_QUEUE)["QueueUrl"]


def _drops_policy(probe):
    sqs = probe.client("sqs")
    url = _queue(probe)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _PROBE_POLICY})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "31"})
    kept = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    if "Policy" not in kept.get("Attributes", {}):
        return "SetQueueAttributes of VisibilityTimeout dropped the Policy"
    return False


def _accepts_invalid_policy(probe):
    try:
        probe.client("sqs").set_queue_attributes(
            QueueUrl=_queue(probe), Attributes={"Policy": "not a policy"}
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        return code != "InvalidAttributeValue" and f"answered {code}"
    return "accepted a Policy that is not JSON"


def _install(wrap):
    def install():
        backend = sqs_models.SQSBackend
        backend.set_queue_attributes = wrap(backend.set_queue_attributes)

    return install


FILLS = {
    "sqs-set-attributes-keeps-policy": (_drops_policy, _install(_wrap_keep_policy)),
    "sqs-invalid-policy": (_accepts_invalid_policy, _install(_wrap_check_policy)),
}


def apply():
    if getattr(sqs_models.SQSBackend, _MARK, False):
        return
    moto_gaps.fill(FILLS)
    setattr(sqs_models.SQSBackend, _MARK, True)
