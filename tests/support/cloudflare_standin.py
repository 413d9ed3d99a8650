"""A stand-in for the parts of Cloudflare's REST API v4 that ``cloudflare_dns`` uses, on
127.0.0.1 (no local Cloudflare exists). It follows the request and response shapes of
Cloudflare's API documentation:

- ``GET /client/v4/zones?name=`` and ``GET/POST /client/v4/zones/{zone_id}/dns_records``
  (list filtered by ``name`` and ``type``, paginated by ``page``/``per_page`` with
  ``result_info``), ``PATCH``/``DELETE /client/v4/zones/{zone_id}/dns_records/{id}``;
- every answer in the envelope ``{"success", "errors": [{"code", "message"}], "messages",
  "result"}``; a wrong token answers 403 with code 10000 ("Authentication error"), an
  unknown zone 404 with 7003, an identical record 400 with 81058 ("An identical record
  already exists.").

``max_per_page`` is small on purpose so tests cross page boundaries. Each request is kept in
``requests`` as ``(method, path, query)``; ``inject(status, count)`` answers the next requests
with an error status (429, 500) instead of doing them (``method``: only requests of that
method); ``inject(..., after=True)`` does them
and then answers with the error (an answer lost on the way back).
"""

import http.server
import json
import re
import threading
import urllib.parse
import uuid

_RECORDS_RE = re.compile(r"^/client/v4/zones/([^/]+)/dns_records(?:/([^/]+))?$")


def envelope(result=None, errors=(), result_info=None):
    body = {"success": not errors, "errors": list(errors), "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def error(code, message):
    return {"code": code, "message": message}


class CloudflareStandIn:
    def __init__(self, token, zones=("example.org",), max_per_page=2):
        self.token = token
        self.zones = {uuid.uuid4().hex: name for name in zones}
        self.records = {}
        self.requests = []
        self.max_per_page = max_per_page
        self._faults = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/client/v4"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def inject(self, status, count=1, after=False, method=None):
        """The next ``count`` requests (of ``method``, else any) answer HTTP ``status``."""
        with self._lock:
            self._faults.extend([(status, after, method)] * count)

    def _fault(self, method):
        for fault in self._faults:
            if fault[2] in (None, method):
                self._faults.remove(fault)
                return fault[:2]
        return None, False

    def writes(self):
        return [r for r in self.requests if r[0] != "GET"]

    def zone_id(self, name):
        return next(zid for zid, zone in self.zones.items() if zone == name)

    def add(self, zone, name, rtype, content, ttl=1, priority=None):
        """A record made out of band (in Cloudflare's dashboard)."""
        return self._create(
            self.zone_id(zone),
            {"name": name, "type": rtype, "content": content, "ttl": ttl, "priority": priority},
        )[1]["result"]

    def find(self, name, rtype):
        return sorted(
            (r for r in self.records.values() if r["name"] == name and r["type"] == rtype),
            key=lambda r: r["content"],
        )

    # --- the API ------------------------------------------------------------------------

    def answer(self, method, path, query, headers, payload):
        with self._lock:
            self.requests.append((method, path, query))
            status, after = self._fault(method)
        if status:
            fault = envelope(errors=[error(10429 if status == 429 else 10500, "injected")])
            if after:
                self._answer(method, path, query, headers, payload)
            return status, fault
        return self._answer(method, path, query, headers, payload)

    def _answer(self, method, path, query, headers, payload):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 403, envelope(errors=[error(10000, "Authentication error")])
        if path == "/client/v4/zones" and method == "GET":
            return self._zones(query)
        match = _RECORDS_RE.match(path)
        if not match or match.group(1) not in self.zones:
            return 404, envelope(
                errors=[
                    error(
                        7003,
                        f"Could not route to {path}, perhaps your object identifier is invalid?",
                    )
                ]
            )
        zone_id, record_id = match.groups()
        handler = {
            ("GET", False): lambda: self._list(zone_id, query),
            ("POST", False): lambda: self._create(zone_id, payload),
            ("PATCH", True): lambda: self._patch(zone_id, record_id, payload),
            ("DELETE", True): lambda: self._delete(zone_id, record_id),
        }.get((method, record_id is not None))
        if handler is None:
            return 405, envelope(errors=[error(10405, f"Method {method} not allowed")])
        with self._lock:
            return handler()

    def _zones(self, query):
        found = [
            {"id": zid, "name": name, "status": "active"}
            for zid, name in self.zones.items()
            if not query.get("name") or query["name"] == name
        ]
        info = {
            "page": 1,
            "per_page": 20,
            "count": len(found),
            "total_count": len(found),
            "total_pages": 1,
        }
        return 200, envelope(found, result_info=info)

    def _list(self, zone_id, query):
        found = [
            r
            for r in self.records.values()
            if r["zone_id"] == zone_id
            and r["name"] == query.get("name", r["name"])
            and r["type"] == query.get("type", r["type"])
        ]
        found.sort(key=lambda r: r["id"])
        per_page = min(int(query.get("per_page", 100)), self.max_per_page)
        page = int(query.get("page", 1))
        chunk = found[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(found),
            "total_pages": max(1, -(-len(found) // per_page)),
        }
        return 200, envelope(chunk, result_info=info)

    def _create(self, zone_id, payload):
        zone = self.zones[zone_id]
        name = str(payload.get("name", "")).rstrip(".").lower()
        rtype, content = payload.get("type"), payload.get("content")
        if (
            not name.endswith(zone)
            or rtype not in ("A", "AAAA", "CNAME", "MX", "TXT")
            or not content
        ):
            return 400, envelope(errors=[error(9005, "DNS record is invalid")])
        if rtype == "MX" and payload.get("priority") is None:
            return 400, envelope(errors=[error(9101, "priority is required for MX records")])
        if any(
            r["name"] == name and r["type"] == rtype and r["content"] == content
            for r in self.records.values()
        ):
            return 400, envelope(errors=[error(81058, "An identical record already exists.")])
        record = {
            "id": uuid.uuid4().hex,
            "zone_id": zone_id,
            "zone_name": zone,
            "name": name,
            "type": rtype,
            "content": content,
            "proxiable": rtype in ("A", "AAAA", "CNAME"),
            "proxied": bool(payload.get("proxied", False)),
            "ttl": int(payload.get("ttl", 1)),
            "created_on": "2026-01-01T00:00:00Z",
            "modified_on": "2026-01-01T00:00:00Z",
        }
        if rtype == "MX":
            record["priority"] = int(payload["priority"])
        self.records[record["id"]] = record
        return 200, envelope(record)

    def _patch(self, zone_id, record_id, payload):
        record = self.records.get(record_id)
        if record is None or record["zone_id"] != zone_id:
            return 404, envelope(errors=[error(81044, "Record does not exist.")])
        record.update(
            {k: v for k, v in payload.items() if k in ("content", "ttl", "proxied", "priority")}
        )
        return 200, envelope(record)

    def _delete(self, zone_id, record_id):
        record = self.records.get(record_id)
        if record is None or record["zone_id"] != zone_id:
            return 404, envelope(errors=[error(81044, "Record does not exist.")])
        del self.records[record_id]
        return 200, envelope({"id": record_id})

    def _handler(self):
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self):
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw) if raw else {}
                except ValueError:
                    status, body = (
                        400,
                        envelope(errors=[error(6007, "Malformed JSON in request body")]),
                    )
                else:
                    status, body = standin.answer(
                        self.command, parsed.path, query, self.headers, payload
                    )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args):
                pass

        return Handler
