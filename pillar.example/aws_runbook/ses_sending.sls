aws_runbook:
  ses_sending:
    # SES SMTP credentials (ses_smtp_user.present), the runbook's "Create SMTP credentials".
    # Each key is an IAM user name. The user may only call ses:SendRawEmail; its access key's
    # secret is never written anywhere, only the SMTP password derived from it.
    smtp_users:
      ses-smtp-redmine:
        regions: [us-east-1]           # the SES region(s) the server relays through
        # The server's private pillar (relative paths: under the first pillar_roots
        # directory). Gets smtp:host (email-smtp.us-east-1.amazonaws.com), smtp:port (587),
        # smtp:username (the access key ID) and smtp:password, which Postfix reads.
        pillar_file: private/redmine.sls
        # Optional: only these identities may be used as From (default: any verified one).
        identities: [open-contracting.org]
        rotate_after_days: 180         # new key written first, then the old one deleted
      # A server relaying through two regions: one key, one password per region, written
      # to smtp:us-east-1:password, smtp:eu-west-1:password (and host/port/username alike).
      # ses-smtp-mailer:
      #   regions: [us-east-1, eu-west-1]
      #   pillar_file: private/mailer.sls
      # ses-smtp-old:
      #   absent: true
      #   regions: [us-east-1]
      #   pillar_file: private/old.sls   # its smtp:* keys are removed

    # Configuration sets (ses_configuration_set.present), the runbook's "Set up advanced
    # notifications". Each key is a set name; applications send with it
    # (X-SES-CONFIGURATION-SET header).
    configuration_sets:
      credere:
        region: us-east-1
        event_destinations:
          credere-noreply-open-contracting-org:
            # Rendering failures (templates), rejects and delivery delays only: sends,
            # deliveries, bounces and complaints already come through the identity's
            # feedback notifications.
            events: [RENDERING_FAILURE, REJECT, DELIVERY_DELAY]
            sns_topic: noreply-open-contracting-org    # the basic-notifications topic
            subscribers: [sysadmin@open-contracting.org]   # must confirm by email
        # Optional, managed only when given:
        # reputation_metrics: true
        # sending_enabled: true
        # suppressed_reasons: [BOUNCE, COMPLAINT]
        # custom_redirect_domain: track.open-contracting.org

    # Account-level settings (ses_account.configured), one entry per region: the runbook's
    # "Disable account-level suppression list" and "Move out of sandbox".
    accounts:
      us-east-1:
        region: us-east-1
        # [] disables the account-level suppression list (this can hurt sender reputation);
        # [BOUNCE, COMPLAINT] is AWS's default.
        suppressed_reasons: []
        sending_enabled: true
        # Request to leave the sandbox: submitted only while the account is in it, never
        # again while AWS reviews it; the state's comment shows the status.
        production_access:
          mail_type: TRANSACTIONAL
          website_url: https://www.open-contracting.org
          use_case_description: >-
            Transactional email (password resets, notifications) to the registered users
            of our web applications. Bounces and complaints go to an SNS topic that our
            system administrators monitor; addresses that bounce are removed.
          additional_contact_email_addresses: [sysadmin@open-contracting.org]
          contact_language: EN
