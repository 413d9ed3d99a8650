"""Make moto's SQS backend (5.2.x) keep a queue's access policy as the AWS API reference
documents.

Loaded in-process by the functional tests (``apply()`` before ``moto.mock_aws``) and into the
moto server the integration tests start (``PATCH_MODULES`` in ``tests/support/moto_server.py``).
``apply()`` is idempotent. Each gap it fills, as seen in moto 5.2.5:

 1. ``SetQueueAttributes`` without a ``Policy`` attribute (e.g. only ``VisibilityTimeout``)
    dropped the queue's ``Policy``. Now attributes not named are left as they are; an empty
    ``Policy`` still removes it, as on AWS.
 2. ``SetQueueAttributes`` with a ``Policy`` that is not a JSON object failed with a 500
    (a Python ``JSONDecodeError``). Now it answers ``InvalidAttributeValue`` (400), as AWS does.
"""

import json

from moto.sqs import models as sqs_models

from tests.support.moto_errors import AwsError

_MARK = "_awsrunbook_patched"


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


def _wrap_set_queue_attributes(original):
    def set_queue_attributes(self, queue_name, attributes):
        _checked_policy(attributes)
        if "Policy" not in attributes:
            kept = self.get_queue(queue_name).policy
            attributes = {**attributes, "Policy": kept}
        return original(self, queue_name, attributes)

    return set_queue_attributes


def apply():
    if getattr(sqs_models.SQSBackend, _MARK, False):
        return
    sqs_models.SQSBackend.set_queue_attributes = _wrap_set_queue_attributes(
        sqs_models.SQSBackend.set_queue_attributes
    )
    setattr(sqs_models.SQSBackend, _MARK, True)
