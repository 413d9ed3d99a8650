"""Zone contents the DNS tests serve from a real BIND (tests/support/bind_server.py)."""

# amazonses.com's SPF record as SES publishes it: the addresses SES sends from. SPF's
# include:amazonses.com is evaluated against it.
AMAZONSES_SPF = (
    "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 "
    "ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 "
    "ip4:54.240.96.0/19 ip4:52.82.172.0/22 -all"
)
AMAZONSES_ZONE = f'@ IN TXT "{AMAZONSES_SPF}"\n'
