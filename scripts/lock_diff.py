"""Prints how a `pip freeze` (standard input) differs from a lock file (the argument): one line
per package that is newer, older, added or gone. Used by `scripts/test --latest`."""

import sys


def pins(lines):
    found = {}
    for line in lines:
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            found[name.lower().replace("_", "-")] = version
    return found


def main(lock_path):
    with open(lock_path, encoding="utf-8") as lock:
        locked = pins(lock)
    latest = pins(sys.stdin)
    latest.pop("salt-aws-runbook", None)
    for name in sorted(locked.keys() | latest.keys()):
        old, new = locked.get(name), latest.get(name)
        if old != new:
            print(f"  {name}: {old or '(not in the lock)'} -> {new or '(not installed)'}")
    if locked == latest:
        print("  (none: the lock is the newest the ranges allow)")


if __name__ == "__main__":
    main(sys.argv[1])
