"""Looking for secrets where they must not be: every form a leak could take."""

import json
import pathlib
import urllib.parse


def forms(secret):
    """The secret raw, JSON-escaped and URL-encoded (as a log line, a JSON job return or a
    request URL would carry it)."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }


def files_holding(secret, root, but=()):
    """Files under ``root`` (but not under the folders ``but``) that hold ``secret`` in any
    form: the job cache, the log, whatever a run wrote."""
    skipped = [pathlib.Path(path).resolve() for path in but]
    found = []
    for path in pathlib.Path(root).rglob("*"):
        if not path.is_file() or any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        data = path.read_bytes()
        if any(form.encode() in data for form in forms(secret)):
            found.append(str(path))
    return found
