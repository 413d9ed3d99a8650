# SES identities, rendered by salt/aws_runbook/ses.sls (state: ses_identity).
# Connection arguments (region, profile, keyid, key, role_arn) come from
# aws_runbook:connection, shared with the other aws_runbook/*.sls files.
aws_runbook:
  ses:
    identities:
      # A domain: Easy DKIM (RSA_2048_BIT), a custom MAIL FROM domain, and bounce and
      # complaint feedback to an SNS topic with one email subscriber. The state's comment
      # lists the DNS records to publish (3 DKIM CNAMEs, MAIL FROM MX + SPF, DMARC).
      open-contracting.org:
        dkim: RSA_2048_BIT
        mail_from_domain: bounce.open-contracting.org
        behavior_on_mx_failure: USE_DEFAULT_VALUE
        notifications:
          topic: noreply-open-contracting-org        # created as a Standard topic if missing
          subscribers:
            - sysadmin@open-contracting.org  # confirms the subscription by mail
          bounce: true
          complaint: true
          delivery: false
          include_headers: true
        # dmarc: false                       # the domain already publishes a DMARC record
        # dns:                               # publish the records at the DNS host
        #   provider: cloudflare             # or route53, rfc2136
        #   zone: open-contracting.org
        #   api_token_pillar: cloudflare:api_token   # the token stays in pillar
        # check_dns: true                    # say live which record still blocks SES
        # wait: 600                          # fail unless verified within 10 minutes
        tags:
          team: ops

      # An email address: SES mails it a verification link.
      noreply@open-contracting.org: {}
      # With no mailbox behind it (the domain's MX points to SES receiving), let the state
      # receive the message into S3 and request the link itself:
      # noreply@open-contracting.org:
      #   verify:
      #     via: receipt_rule                # bucket, rule_set, rule: the runbook's names
      #     timeout: 900

      # A retired identity.
      # old.open-contracting.org:
      #   absent: true
