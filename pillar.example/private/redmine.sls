# Private pillar of the redmine server. The aws states add aws:access_key, aws:secret_key and
# aws:region below; everything else in this file (these comments too) is kept as it is.
redmine:
  database: redmine   # kept
