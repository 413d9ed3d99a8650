"""What the benchmark's moto server saw: each request ``(service, operation, is_write)``
(``tests.support.moto_server.classify``) named by its API operation and counted."""

import collections
import re

_NAME_SEGMENT = re.compile(r"[^/?]*bench[^/?]*")
_S3_REST = re.compile(r"^(GET|PUT|DELETE|HEAD|POST) /(\{name\})?(?:/[^?]*)?(?:\?(.*))?$")
_S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}
_S3_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "encryption": "BucketEncryption",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "publicAccessBlock": "PublicAccessBlock",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "inventory": "BucketInventoryConfigurations",
}
_S3_PLAIN = {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
_SESV2_REST = {
    "GET /v2/email/identities": "ListEmailIdentities",
    "POST /v2/email/identities": "CreateEmailIdentity",
    "GET /v2/email/identities/{name}": "GetEmailIdentity",
    "DELETE /v2/email/identities/{name}": "DeleteEmailIdentity",
    "PUT /v2/email/identities/{name}/feedback": "PutEmailIdentityFeedbackAttributes",
    "PUT /v2/email/identities/{name}/mail-from": "PutEmailIdentityMailFromAttributes",
    "PUT /v2/email/identities/{name}/dkim": "PutEmailIdentityDkimAttributes",
    "PUT /v2/email/identities/{name}/dkim/signing": "PutEmailIdentityDkimSigningAttributes",
    "PUT /v2/email/identities/{name}/configuration-set": (
        "PutEmailIdentityConfigurationSetAttributes"
    ),
    "GET /v2/email/tags": "ListTagsForResource",
    "POST /v2/email/tags": "TagResource",
    "DELETE /v2/email/tags": "UntagResource",
}


def op_name(call):
    """``service Operation`` with resource names folded, so counts add up across resources;
    S3's REST requests get their API operation names."""
    service, operation, _ = call
    operation = _NAME_SEGMENT.sub("{name}", operation)
    if service == "ses" and operation.split("?")[0] in _SESV2_REST:
        return f"sesv2 {_SESV2_REST[operation.split('?')[0]]}"
    match = _S3_REST.match(operation) if service == "s3" else None
    if match:
        method, bucket, sub = match.groups()
        if not bucket:
            operation = "ListBuckets" if method == "GET" else operation
        elif not sub:
            operation = _S3_PLAIN.get(method, f"{method} (objects)")
        elif sub in _S3_SUBRESOURCES:
            operation = _S3_VERBS[method] + _S3_SUBRESOURCES[sub]
    return f"{service} {operation}"


def summarize(calls):
    """Counts of one run's calls: in all, writes, per operation, and per signing service
    (SES v1 and v2 both sign as ``ses``: one quota) split into ``reads`` and ``writes``."""
    services = collections.defaultdict(collections.Counter)
    for service, _, is_write in calls:
        services[service]["writes" if is_write else "reads"] += 1
    return {
        "calls": len(calls),
        "writes": sum(1 for call in calls if call[2]),
        "ops": collections.Counter(op_name(call) for call in calls),
        "writes_ops": collections.Counter(op_name(call) for call in calls if call[2]),
        "services": {service: dict(counts) for service, counts in sorted(services.items())},
    }
