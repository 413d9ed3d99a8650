"""A local moto server on 127.0.0.1 that counts every AWS operation it serves.

Used by the integration tests, the demo and the benchmarks. It serves moto's own WSGI app,
wrapped so each request is recorded as ``(service, operation, is_write)``; the patches in
``PATCH_MODULES`` (moto gaps, documented there) are applied to moto's backends first.

Run it on its own (the demo does)::

    python -m tests.support.moto_server --port 5123
    python -m tests.support.moto_server --port 5123 --latency-ms 60   # as from a laptop
    python -m tests.support.moto_server --list-gaps   # which gaps this moto has, which filled
"""

import argparse
import importlib
import io
import re
import threading
import time
import urllib.parse

import moto
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from tests.support import moto_gaps

# Modules under tests/support that make moto behave as the AWS API reference documents
# where it does not; each exposes apply(), which fills only the gaps the installed moto has
# (tests/support/moto_gaps.py records which).
PATCH_MODULES = (
    "tests.support.moto_ses_patches",
    "tests.support.moto_sesv2_patches",
    "tests.support.moto_sesv2_suppression",
    "tests.support.moto_rds_patches",
    "tests.support.moto_sqs_patches",
    "tests.support.moto_ses_receiving",
    "tests.support.moto_ses_sending_delivery",
)


def apply_patches():
    """Apply every module of ``PATCH_MODULES`` (each once per process)."""
    for name in PATCH_MODULES:
        importlib.import_module(name).apply()


def gaps_report():
    """What ``--list-gaps`` prints: each gap checked, found or not, filled or not."""
    apply_patches()
    found = moto_gaps.report()
    summary = (
        f"moto {moto.__version__}: {sum(g.found for g in found)} of {len(found)} gaps found, "
        f"{sum(g.applied for g in found)} filled; checks took {moto_gaps.probe_seconds:.2f} s"
    )
    return f"{moto_gaps.format_report(found)}\n{summary}"


_SERVICE_RE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
READ_PREFIXES = ("Get", "List", "Describe", "Head")


def classify(environ, body):
    """``(service, operation, is_write)`` for one request."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = _SERVICE_RE.search(auth)
    service = match.group(1) if match else "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        operation = target.rsplit(".", 1)[-1]
        return service, operation, not operation.startswith(READ_PREFIXES)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    action = (form.get("Action") or query.get("Action") or [None])[0]
    if action:
        return service, action, not action.startswith(READ_PREFIXES)
    # REST protocols (S3, SES v2): the method says whether it writes.
    method = environ.get("REQUEST_METHOD", "GET")
    subresource = ",".join(sorted(k for k in query if k not in ("x-id", "max-keys")))
    path = environ.get("PATH_INFO", "/")
    operation = f"{method} {path}" + (f"?{subresource}" if subresource else "")
    return service, operation, method not in ("GET", "HEAD")


# Error bodies in the shape both the query (IAM, SES, SNS, STS) and REST-XML (S3) protocols
# parse: botocore reads the code wherever the <Error> element is.
FAULTS = {
    "throttling": (
        "400 Bad Request",
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        b"<Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>",
    ),
    "unavailable": (
        "503 Service Unavailable",
        b"<ErrorResponse><Error><Code>ServiceUnavailable</Code>"
        b"<Message>Please try again</Message></Error><RequestId>fault</RequestId></ErrorResponse>",
    ),
}

# Faults whose request is carried out first: the fault answered instead of moto's answer.
AFTER_PROCESSING = {
    "unavailable_after_processing": "unavailable",
    "hold_after_processing": "unavailable",
}
HOLD_SECONDS = 60
# Faults that only delay moto's own answer (see CountingApp._paused).
PAUSES = ("pause_before_processing", "pause_after_processing")


def _meets(fault, call, environ, body):
    """Whether the request ``call`` (with ``environ`` and ``body``) is one ``fault`` is for."""
    service, operation, _, naming = fault
    if service != call[0] or operation not in (None, call[1]):
        return False
    where = f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    return naming is None or naming in where or naming.encode() in body


class CountingApp:
    """WSGI middleware recording each AWS request before moto answers it. ``latency``
    (seconds) delays every AWS answer, as a network round trip to AWS would; each request
    waits in its own server thread, so concurrent requests wait concurrently."""

    def __init__(self, app, latency=0.0):
        self.app = app
        self.latency = latency
        self.calls = []
        self.faults = []
        self.held = threading.Event()  # set when a request is held after processing
        self.released = threading.Event()  # lets paused requests go on (see inject_faults)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.app(environ, start_response)
        call = classify(environ, body)
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.calls.append(call)
            fault = next((f for f in self.faults if _meets(f, call, environ, body)), None)
            if fault:
                self.faults.remove(fault)
        if not fault:
            return self.app(environ, start_response)
        kind = fault[2]
        if kind in PAUSES:
            return self._paused(kind, environ, start_response)
        if kind == "hold_before_processing":
            # The caller is kept waiting before AWS does anything (a test kills it meanwhile).
            self.held.set()
            time.sleep(HOLD_SECONDS)
            kind = "unavailable"
        elif kind in AFTER_PROCESSING:
            # AWS did the work; the answer is lost on the way back.
            for _ in self.app(environ, lambda *args, **kwargs: None):
                pass
            if kind == "hold_after_processing":
                # The caller is kept waiting (a test kills it meanwhile).
                self.held.set()
                time.sleep(HOLD_SECONDS)
            kind = AFTER_PROCESSING[kind]
        status, xml = FAULTS[kind]
        start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(xml)))])
        return [xml]

    def _paused(self, kind, environ, start_response):
        """Hold the request until ``released`` (before or after moto carries it out), then
        answer it as moto does."""
        if kind == "pause_before_processing":
            self.held.set()
            self.released.wait(HOLD_SECONDS)
            return self.app(environ, start_response)
        answer = {}

        def keep(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)

        body = b"".join(self.app(environ, keep))
        self.held.set()
        self.released.wait(HOLD_SECONDS)
        start_response(answer["status"], answer["headers"])
        return [body]

    def inject_faults(self, service, *kinds, operation=None, naming=None):
        """Answer the next requests to ``service`` (``s3``, ``iam``...; with ``operation``,
        only that one, e.g. ``CreateAccessKey``; with ``naming``, only requests whose path or
        body holds that text, e.g. a user name) with these faults instead of moto's answer,
        in order: ``"throttling"`` (400 Throttling, the query protocols' throttle),
        ``"unavailable"`` (503, also S3's SlowDown status), or
        ``"unavailable_after_processing"`` (moto carries the request out, then the client
        gets a 503: a write that happened although the caller saw it fail), or
        ``"hold_after_processing"`` (carried out, then no answer for a minute: ``held`` is
        set, so a test can kill the caller while it waits) or ``"hold_before_processing"``
        (the same, but nothing is carried out), or ``"pause_before_processing"`` /
        ``"pause_after_processing"`` (``held`` is set and the request waits until the test
        sets ``released``, then it is carried out and answered as moto answers it: to order
        two clients' requests)."""
        with self._lock:
            self.faults.extend((service, operation, kind, naming) for kind in kinds)

    def reset(self):
        with self._lock:
            self.calls.clear()

    def snapshot(self):
        with self._lock:
            return list(self.calls)


class MotoServer:
    """moto's server in a thread of this process, on 127.0.0.1."""

    def __init__(self, port=0, latency_ms=0):
        apply_patches()
        self.counter = CountingApp(
            DomainDispatcherApplication(create_backend_app), latency=latency_ms / 1000
        )
        self._server = make_server(
            "127.0.0.1", port, self.counter, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join()

    def reset_counts(self):
        self.counter.reset()

    def calls(self):
        return self.counter.snapshot()

    def writes(self):
        return [call for call in self.calls() if call[2]]

    def inject_faults(self, service, *kinds, operation=None, naming=None):
        self.counter.inject_faults(service, *kinds, operation=operation, naming=naming)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5123)
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="delay every AWS answer by this much"
    )
    parser.add_argument(
        "--list-gaps",
        action="store_true",
        help="print which moto gaps the installed moto has and which were filled, then exit",
    )
    args = parser.parse_args()
    if args.list_gaps:
        print(gaps_report())
        return
    server = MotoServer(args.port, args.latency_ms)
    print(f"moto server listening on {server.url}", flush=True)
    server._server.serve_forever()


if __name__ == "__main__":
    main()
