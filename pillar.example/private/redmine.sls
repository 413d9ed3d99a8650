# Private pillar of the redmine server. The aws states add aws:access_key, aws:secret_key,
# aws:region (backups) and smtp:* (SES SMTP relay) below; everything else in this file, these
# comments too, is kept as it is.
redmine:
  database: redmine   # kept
