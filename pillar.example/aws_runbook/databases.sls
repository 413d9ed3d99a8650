aws_runbook:
  databases:
    # The runbook's network for Aurora (ec2_vpc.present). Each key is the VPC's Name tag.
    # VPCs, subnets and security groups cost nothing.
    vpcs:
      aurora:
        cidr: 10.0.0.0/16
        subnets:
          aurora-a: {cidr: 10.0.1.0/24, az_index: 0}    # the region's first zone ("any zone")
          aurora-b: {cidr: 10.0.2.0/24, az_index: 1}    # its second ("another zone")

    # Security groups (ec2_security_group.present). Each key is a label; `name` defaults to it.
    security_groups:
      postgresql-anywhere:                 # in the region's default VPC, for RDS
        description: Allows PostgreSQL connections from anywhere
        ingress:
          - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
          - {protocol: tcp, port: 5432, ipv6_cidr: "::/0"}
      postgresql-anywhere-aurora:          # the same group in the Aurora VPC
        name: postgresql-anywhere
        vpc: aurora
        description: Allows PostgreSQL connections from anywhere
        ingress:
          - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
          - {protocol: tcp, port: 5432, ipv6_cidr: "::/0"}

    # The databases are commented out: they cost money from the first hour. db.t3.micro is
    # free only under the AWS Free Tier (new accounts, limited hours), and a publicly
    # accessible instance pays for its public IPv4 address (since 2024-02-01). An Aurora
    # Serverless v2 cluster paused at 0 ACU still pays for its storage and backups, and
    # every resume bills ACUs. Uncomment what you mean to pay for.
    #
    # RDS PostgreSQL, the runbook's free-tier instance (rds_postgres.present). Each key is
    # the DB instance identifier. The generated master password and the connection details
    # go into the server's pillar file: postgres:host, :port, :username, :password, :dbname.
    # instances:
    #   analytics:
    #     pillar_file: private/analytics.sls
    #     engine_version: latest           # the runbook: "the latest version"
    #     wait: 1200                       # creation takes minutes; the host is written then
    #     rotate_password_after_days: 180
    #
    # Aurora PostgreSQL Serverless v2 (rds_aurora_postgres.present). Each key is the DB
    # cluster identifier. Not publicly reachable: connect from inside the VPC (a bastion).
    # clusters:
    #   common:
    #     pillar_file: private/common.sls
    #     vpc: aurora
    #     subnets: [aurora-a, aurora-b]
    #     min_capacity: 0                  # pause when idle...
    #     seconds_until_auto_pause: 3600   # ...after an hour, as the runbook says
    #     max_capacity: 2
    #
    # To remove one (a final snapshot decision is required):
    #   old-analytics:
    #     absent: true
    #     final_snapshot: old-analytics-final
