#!/usr/bin/env python3
"""Reference out-of-process adapter for MinSide, protocol minside-adapter/1 (see openapi.yaml).

A municipal library system ("biblioteksystemet") with loans and fees for a few synthetic
people, written with the Python 3 standard library only, to show that the protocol needs
nothing from MinSide's Rust code. Run:

    python3 example_adapter.py --port 8089 --token dev-secret

It prints "listening on http://127.0.0.1:<port>" once ready (useful with --port 0), answers
GET /v1/info and POST /v1/fetch, and requires "Authorization: Bearer <token>" on both.
Its request log holds method, path and status only: never a body, so never a pid.
"""

import argparse
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROTOCOL = "minside-adapter/1"
MAX_BODY = 64 * 1024

CATEGORIES = [
    {
        "id": "library-loans",
        "title_nb": "Boklån",
        "title_en": "Library loans",
        "legal_basis": "folkebibliotekloven § 1",
        "sensitivity": "normal",
    },
    {
        "id": "library-fees",
        "title_nb": "Bibliotekgebyrer",
        "title_en": "Library fees",
        "legal_basis": "folkebibliotekloven § 1, kommuneloven § 14-1",
        "sensitivity": "normal",
    },
]


def field(key, label, kind, value):
    return {"key": key, "label": label, "value": {"type": kind, "value": value}}


def loan(record_id, title, due, renewals):
    return {
        "id": record_id,
        "category": "library-loans",
        "title": title,
        "fields": [
            field("due_date", "Leveres innen", "date", due),
            field("renewals", "Fornyelser", "integer", renewals),
            field("renewable", "Kan fornyes", "bool", renewals < 3),
        ],
        "deep_link": "https://bibliotek.example.kommune.no/mine-lan/" + record_id,
    }


def fee(record_id, title, amount_ore, paid):
    status = {"code": "betalt", "label": "Betalt"} if paid else {
        "code": "ubetalt", "label": "Ikke betalt"}
    return {
        "id": record_id,
        "category": "library-fees",
        "title": title,
        "fields": [
            field("amount", "Beløp", "amount", amount_ore),
            field("status", "Status", "status", status),
            field("issued_at", "Utstedt", "timestamp", "2026-01-12T09:30:00Z"),
        ],
        # Provenance may be left out or partial: MinSide sets source and fetched_at itself.
        "provenance": {"legal_basis": "kommuneloven § 14-1"},
    }


# Synthetic fødselsnummer (month + 80): never a real person.
PEOPLE = {
    "14838510036": [
        loan("L-1001", "Sofies verden", "2026-02-20", 1),
        loan("L-1002", "Naiv. Super.", "2026-02-27", 3),
        fee("F-77", "Purregebyr januar", 5000, False),
    ],
    "02891650011": [
        loan("L-2001", "Karsten og Petra på skitur", "2026-03-01", 0),
    ],
}


def is_synthetic_pid(pid):
    """11 digits with valid check digits and a synthetic month (81-92)."""
    if not (isinstance(pid, str) and len(pid) == 11 and pid.isdigit()):
        return False
    digits = [int(c) for c in pid]

    def control(ds, weights):
        k = 11 - sum(d * w for d, w in zip(ds, weights)) % 11
        return 0 if k == 11 else k

    k1 = control(digits[:9], [3, 7, 6, 1, 8, 9, 4, 5, 2])
    k2 = control(digits[:10], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    return k1 == digits[9] and k2 == digits[10] and 81 <= int(pid[2:4]) <= 92


class Handler(BaseHTTPRequestHandler):
    server_version = "example-adapter/1"
    token = ""

    def log_message(self, fmt, *args):
        # The default log writes the request line; our paths carry no personal data.
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status, body, content_type="application/json", headers=()):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type + "; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def problem(self, status, title, headers=()):
        body = {"type": "about:blank", "title": title, "status": status}
        self.send_json(status, body, "application/problem+json", headers)

    def authorized(self):
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), ("Bearer " + self.token).encode()):
            return True
        self.problem(401, "Missing or wrong bearer token", [("WWW-Authenticate", "Bearer")])
        return False

    def do_GET(self):
        if self.path != "/v1/info":
            return self.problem(404, "No such endpoint")
        if not self.authorized():
            return None
        return self.send_json(200, {
            "protocol": PROTOCOL,
            "id": "example-library",
            "name": "Biblioteksystemet",
            "categories": CATEGORIES,
        })

    def do_POST(self):
        if self.path != "/v1/fetch":
            return self.problem(404, "No such endpoint")
        if not self.authorized():
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self.problem(400, "A JSON body is required")
        try:
            request = json.loads(self.rfile.read(length))
            pid = request["subject"]["pid"]
            wanted = set(request["categories"])
        except (ValueError, KeyError, TypeError):
            return self.problem(400, "The body does not follow minside-adapter/1")
        # This system only ever holds synthetic people.
        records = PEOPLE.get(pid) if is_synthetic_pid(pid) else None
        if records is None:
            return self.problem(404, "Unknown person")
        return self.send_json(200, {"records": [r for r in records if r["category"] in wanted]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    parser.add_argument("--token", default=os.environ.get("EXAMPLE_ADAPTER_TOKEN"))
    args = parser.parse_args()
    if not args.token:
        parser.error("a bearer token is required (--token or EXAMPLE_ADAPTER_TOKEN)")
    Handler.token = args.token
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print("listening on http://%s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
