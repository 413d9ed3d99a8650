"""Realistic SES feedback notifications, shaped like the examples in the SES Developer Guide
("Amazon SNS notification examples for Amazon SES", "Examples of event data that Amazon SES
publishes to Amazon SNS"): shared by the unit tests of the summaries and the functional tests
that publish them through SNS to SQS."""

SOURCE = "john@example.com"
SOURCE_ARN = "arn:aws:ses:us-east-1:123456789012:identity/john@example.com"


def mail(destination, subject="Hello", message_id="<custom-message-ID@example.com>"):
    return {
        "timestamp": "2016-01-27T14:59:38.237Z",
        "source": SOURCE,
        "sourceArn": SOURCE_ARN,
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "123456789012",
        "messageId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        "destination": destination,
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": f"John Doe <{SOURCE}>"},
            {"name": "To", "value": ", ".join(destination)},
            {"name": "Subject", "value": subject},
            {"name": "Message-ID", "value": message_id},
        ],
        "commonHeaders": {
            "from": [f"John Doe <{SOURCE}>"],
            "date": "Wed, 27 Jan 2016 14:05:45 +0000",
            "to": destination,
            "messageId": message_id,
            "subject": subject,
        },
    }


def bounce(bounce_type, sub_type, recipients, reporting_mta="dns; email.example.com"):
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": recipients,
            "timestamp": "2016-01-27T14:59:38.237Z",
            "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
            "remoteMtaIp": "127.0.2.0",
            **({"reportingMTA": reporting_mta} if reporting_mta else {}),
        },
        "mail": mail([r["emailAddress"] for r in recipients]),
    }


PERMANENT = bounce(
    "Permanent",
    "General",
    [
        {
            "emailAddress": "jane@example.com",
            "status": "5.1.1",
            "action": "failed",
            "diagnosticCode": "smtp; 550 5.1.1 <jane@example.com>... User",
        },
        {
            "emailAddress": "richard@example.com",
            "status": "5.7.1",
            "action": "failed",
            "diagnosticCode": "smtp; 550 5.7.1 Message rejected due to DMARC policy",
        },
    ],
)
TRANSIENT = bounce(
    "Transient",
    "MailboxFull",
    [
        {
            "emailAddress": "mary@example.com",
            "status": "4.2.2",
            "action": "failed",
            "diagnosticCode": "smtp; 452 4.2.2 The email account that you tried to reach is "
            "over quota",
        }
    ],
)
SUPPRESSED = bounce(
    "Permanent",
    "Suppressed",
    [
        {
            "emailAddress": "bounce@simulator.amazonses.com",
            "status": "5.1.1",
            "action": "failed",
            "diagnosticCode": "Amazon SES has suppressed sending to this address because it "
            "has a recent history of bouncing as an invalid address.",
        }
    ],
    reporting_mta="dns; amazonses.com",
)
COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {
        "userAgent": "AnyCompany Feedback Loop (V0.01)",
        "complainedRecipients": [{"emailAddress": "richard@example.com"}],
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2016-01-27T14:59:38.237Z",
        "timestamp": "2016-01-27T14:59:38.237Z",
        "feedbackId": "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000",
    },
    "mail": mail(["richard@example.com"]),
}
DELIVERY = {
    "notificationType": "Delivery",
    "mail": mail(["success@simulator.amazonses.com"]),
    "delivery": {
        "timestamp": "2016-01-27T14:59:38.237Z",
        "recipients": ["success@simulator.amazonses.com"],
        "processingTimeMillis": 546,
        "reportingMTA": "a8-70.smtp-out.amazonses.com",
        "smtpResponse": "250 ok:  Message 64111812 accepted",
        "remoteMtaIp": "127.0.2.0",
    },
}
DELIVERY_DELAY = {
    "eventType": "DeliveryDelay",
    "mail": mail(["recipient@example.com"]),
    "deliveryDelay": {
        "timestamp": "2020-06-16T00:15:40.641Z",
        "delayType": "TransientCommunicationFailure",
        "expirationTime": "2020-06-16T00:25:40.914Z",
        "delayedRecipients": [
            {
                "emailAddress": "recipient@example.com",
                "status": "4.4.1",
                "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
            }
        ],
        "reportingMTA": "dns; a1-2.smtp-out.us-west-2.amazonses.com",
    },
}
REJECT = {
    "eventType": "Reject",
    "mail": mail(["recipient@example.com"]),
    "reject": {"reason": "Bad content"},
}
RENDERING_FAILURE = {
    "eventType": "Rendering Failure",
    "mail": mail(["recipient@example.com"]),
    "failure": {
        "errorMessage": "Attribute 'attributeName' is not present in the rendering data.",
        "templateName": "MyTemplate",
    },
}
