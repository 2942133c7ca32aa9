#!/usr/bin/env python3
"""A loopback simulator of the Popsa platform's API gateway (the Micro API proxy), for popsa-ops tests.

It models what support's actions depend on: `POST /{service}/{Service.Method}` with a JSON body, a bearer token,
an `Idempotency-Key` header whose first answer is replayed for every repeat, Micro-style errors
(`{"id", "code", "detail", "status"}`), and `POST /idempotency/Idempotency.Lookup {"key"}` answering what a key
was told. Faults, one consumed per call: a status before or after committing, a slow answer after committing
(the client times out, the platform has acted), a refusal.

Control endpoints (tests only):
  POST /_control/faults  {"faults": [{"kind": "status", "code": 503, "after_commit": false},
                                     {"kind": "slow", "seconds": 3}, {"kind": "refuse", "code": 409,
                                     "detail": "job is printing"}, {"kind": "reference", "value": "…"}]}
  GET  /_control/state   {"requests": [{"path", "key", "authorization"}], "performed": {key: count}}
Run: platform_simulator.py --port 0 [--token T] prints "listening on PORT" and serves until killed.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ANSWERS = {}     # idempotency key -> (status, body)
PERFORMED = {}   # idempotency key -> times the platform acted on it
FAULTS = []
REQUESTS = []
COUNTER = [0]
TOKEN = ["platform-token"]


def micro_error(code, detail, status):
    return {"id": "go.micro.api", "code": code, "detail": detail, "status": status}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_control/state":
            with LOCK:
                return self.reply(200, {"requests": REQUESTS, "performed": PERFORMED})
        self.reply(404, micro_error(404, "not found", "Not Found"))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.reply(400, micro_error(400, "body is not JSON", "Bad Request"))
        if self.path == "/_control/faults":
            with LOCK:
                FAULTS.extend(body.get("faults", []))
            return self.reply(200, {"queued": len(FAULTS)})
        auth = self.headers.get("Authorization", "")
        key = self.headers.get("Idempotency-Key")
        with LOCK:
            REQUESTS.append({"path": self.path, "key": key, "authorization": auth})
        if auth != "Bearer " + TOKEN[0]:
            return self.reply(401, micro_error(401, "invalid token", "Unauthorized"))
        if self.path == "/idempotency/Idempotency.Lookup":
            with LOCK:
                found = ANSWERS.get(body.get("key"))
            if found is None:
                return self.reply(200, {"found": False})
            return self.reply(200, {"found": True, "status": found[0], "body": found[1]})
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or "." not in parts[1]:
            return self.reply(404, micro_error(404, "no such endpoint", "Not Found"))
        if not key:
            return self.reply(400, micro_error(400, "Idempotency-Key is required", "Bad Request"))
        with LOCK:
            if key in ANSWERS:
                status, answer = ANSWERS[key]
                return self.reply(status, answer)
            fault = FAULTS.pop(0) if FAULTS else None
        if fault and fault.get("kind") == "status" and not fault.get("after_commit"):
            return self.reply(fault["code"], micro_error(fault["code"], "injected failure", "Error"))
        if fault and fault.get("kind") == "refuse":
            answer = (fault.get("code", 409), micro_error(fault.get("code", 409), fault.get("detail", "refused"), "Conflict"))
        else:
            with LOCK:
                COUNTER[0] += 1
                n = COUNTER[0]
            reference = ("job_p%06d" % n) if parts[1] == "PrintJobs.Reprint" else ("plat_%06d" % n)
            if fault and fault.get("kind") == "reference":
                reference = fault["value"]
            answer = (200, {"id": body.get("id"), "reference": reference})
        with LOCK:
            ANSWERS[key] = answer
            if answer[0] == 200:
                PERFORMED[key] = PERFORMED.get(key, 0) + 1
        if fault and fault.get("kind") == "slow":
            time.sleep(fault.get("seconds", 3))
        if fault and fault.get("kind") == "status" and fault.get("after_commit"):
            return self.reply(fault["code"], micro_error(fault["code"], "injected failure", "Error"))
        self.reply(*answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="platform-token")
    args = parser.parse_args()
    TOKEN[0] = args.token
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    import orphan_guard
    orphan_guard.start()
    main()
