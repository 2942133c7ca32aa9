#!/usr/bin/env python3
"""A loopback simulator of Braintree's GraphQL API, for popsa-ops tests.

It models what the refund path depends on: settlement states, void versus refund (reverseTransaction), partial
refunds only once settled, Braintree's legacy error codes (91506 cannot refund unless settled, 91512 already
refunded, 91521 refund too large, 91504 cannot void, 81531 amount must be positive), apiRequestKey replays, Basic
auth, and fault injection: errors before or after committing, slow answers after committing, 429s.

Control endpoints (tests only):
  POST /_control/transactions  {"id": "abc12345", "amount": "12.50", "currency": "GBP", "status": "SETTLED"}
  POST /_control/faults        {"faults": [{"kind": "status", "code": 500, "after_commit": true}, ...]}
                               (a fault with "operation": NAME applies only to the next request of that operation)
  GET  /_control/state         all transactions with their refunds, and the requests seen
Run: braintree_simulator.py --port 0 prints "listening on PORT" and serves until killed.
"""
import argparse
import base64
import json
import re
import sys
import threading
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
TRANSACTIONS = {}   # legacy id -> {"amount": Decimal, "currency": str, "status": str, "refunds": [...]}
KEYS = {}           # apiRequestKey -> {"input": ..., "result": ..., "done": bool}
FAULTS = []         # queue of faults, one consumed per GraphQL request
REQUESTS = []       # (operation, headers of interest)
CREDENTIALS = ("public_key", "private_key")
COUNTER = [0]


def global_id(kind, legacy):
    return base64.b64encode(f"{kind}_{legacy}".encode()).decode()


def legacy_id(gid):
    try:
        text = base64.b64decode(gid.encode(), validate=True).decode()
        return text.split("_", 1)[1]
    except Exception:
        return gid


def amount_json(value, currency):
    return {"value": f"{value:.2f}" if currency not in ("JPY", "KRW", "VND", "CLP") else f"{value:.0f}",
            "currencyCode": currency}


def refund_json(r, currency):
    return {"id": global_id("refund", r["id"]), "legacyId": r["id"], "status": "SUBMITTED_FOR_SETTLEMENT",
            "orderId": r.get("orderId"), "amount": amount_json(r["amount"], currency), "__typename": "Refund"}


def transaction_json(legacy):
    t = TRANSACTIONS[legacy]
    return {"id": global_id("transaction", legacy), "legacyId": legacy, "status": t["status"], "__typename": "Transaction",
            "amount": amount_json(t["amount"], t["currency"]),
            "refunds": [refund_json(r, t["currency"]) for r in t["refunds"]]}


class GraphQLError(Exception):
    def __init__(self, message, error_class="VALIDATION", legacy_code=None):
        super().__init__(message)
        self.error_class = error_class
        self.legacy_code = legacy_code


def validation(code, message):
    return GraphQLError(message, "VALIDATION", code)


def new_id():
    COUNTER[0] += 1
    return f"rf{COUNTER[0]:06d}"


def refunded(t):
    return sum((r["amount"] for r in t["refunds"]), Decimal(0))


def do_refund(inp):
    legacy = legacy_id(inp.get("transactionId", ""))
    t = TRANSACTIONS.get(legacy)
    if t is None:
        raise GraphQLError("An object with this ID was not found.", "NOT_FOUND")
    refund = inp.get("refund") or {}
    try:
        value = Decimal(refund["amount"]) if "amount" in refund else t["amount"] - refunded(t)
    except (InvalidOperation, TypeError):
        raise validation("81503", "Amount is an invalid format.")
    if value <= 0:
        raise validation("81531", "Amount must be greater than zero.")
    if t["status"] not in ("SETTLED", "SETTLING"):
        raise validation("91506", "Cannot refund transaction unless it is settled.")
    left = t["amount"] - refunded(t)
    if left <= 0:
        raise validation("91512", "Transaction has already been completely refunded.")
    if value > left:
        raise validation("91521", "Refund amount is too large.")
    r = {"id": new_id(), "amount": value, "orderId": refund.get("orderId")}
    t["refunds"].append(r)
    return {"refundTransaction": {"refund": refund_json(r, t["currency"])}}


def do_reverse(inp):
    legacy = legacy_id(inp.get("transactionId", ""))
    t = TRANSACTIONS.get(legacy)
    if t is None:
        raise GraphQLError("An object with this ID was not found.", "NOT_FOUND")
    if t["status"] in ("AUTHORIZED", "SUBMITTED_FOR_SETTLEMENT"):
        t["status"] = "VOIDED"
        return {"reverseTransaction": {"reversal": transaction_json(legacy)}}
    if t["status"] == "VOIDED":
        raise validation("91504", "Transaction can only be voided if status is authorized or submitted_for_settlement.")
    if t["status"] not in ("SETTLED", "SETTLING"):
        raise validation("91506", "Cannot refund transaction unless it is settled.")
    left = t["amount"] - refunded(t)
    if left <= 0:
        raise validation("91512", "Transaction has already been completely refunded.")
    r = {"id": new_id(), "amount": left, "orderId": None}
    t["refunds"].append(r)
    return {"reverseTransaction": {"reversal": refund_json(r, t["currency"])}}


def do_node(variables):
    legacy = legacy_id(variables.get("id", ""))
    if legacy not in TRANSACTIONS:
        return {"node": None}
    return {"node": transaction_json(legacy)}


def operation(query):
    for name in ("refundTransaction", "reverseTransaction", "chargePaymentMethod", "node"):
        if re.search(r"\b" + name + r"\s*\(", query):
            return name
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self):
        if self.path == "/_control/state":
            with LOCK:
                state = {k: transaction_json(k) for k in TRANSACTIONS}
                self.reply(200, {"transactions": state, "requests": REQUESTS})
            return
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path == "/_control/transactions":
            t = self.body()
            with LOCK:
                TRANSACTIONS[t["id"]] = {"amount": Decimal(t["amount"]), "currency": t["currency"], "status": t["status"],
                                         "refunds": []}
            self.reply(200, {"ok": True})
            return
        if self.path == "/_control/faults":
            with LOCK:
                FAULTS.extend(self.body()["faults"])
            self.reply(200, {"ok": True})
            return
        if self.path != "/graphql":
            self.reply(404, {"error": "not found"})
            return
        expected = "Basic " + base64.b64encode(f"{CREDENTIALS[0]}:{CREDENTIALS[1]}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.reply(401, {"error": "Authentication credentials are invalid"})
            return
        if self.headers.get("Braintree-Version") is None:
            self.reply(200, {"errors": [{"message": "Braintree-Version header is required",
                                         "extensions": {"errorClass": "VALIDATION"}}]})
            return
        request = self.body()
        query, variables = request.get("query", ""), request.get("variables") or {}
        op = operation(query)
        with LOCK:
            # A fault may name the operation it is for ("operation": "refundTransaction"); it then waits for one.
            index = next((i for i, f in enumerate(FAULTS) if f.get("operation", op) == op), None)
            fault = FAULTS.pop(index) if index is not None else None
            REQUESTS.append({"operation": op, "variables": variables, "fault": fault})
        if fault and fault.get("kind") == "status" and not fault.get("after_commit"):
            self.reply(fault["code"], {"error": "injected"}, [("Retry-After", "0")] if fault["code"] == 429 else [])
            return
        if fault and fault.get("kind") == "close":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        inp = variables.get("input") or {}
        key = inp.get("apiRequestKey")
        fingerprint = json.dumps({k: v for k, v in inp.items() if k != "apiRequestKey"}, sort_keys=True)
        try:
            with LOCK:
                if key and key in KEYS:
                    entry = KEYS[key]
                    if not entry["done"]:
                        raise GraphQLError("A request with this apiRequestKey is still in flight.", "VALIDATION")
                    if entry["input"] != fingerprint:
                        raise GraphQLError("apiRequestKey was already used with different input values.", "VALIDATION")
                    data = entry["result"]
                else:
                    if key:
                        KEYS[key] = {"input": fingerprint, "result": None, "done": False}
                    try:
                        if op == "refundTransaction":
                            data = do_refund(inp)
                        elif op == "reverseTransaction":
                            data = do_reverse(inp)
                        elif op == "node":
                            data = do_node(variables)
                        else:
                            raise GraphQLError(f"unsupported operation {op}", "NOT_IMPLEMENTED")
                    except GraphQLError:
                        # Braintree forgets keys whose request failed validation: they may be reused.
                        if key:
                            del KEYS[key]
                        raise
                    if key:
                        KEYS[key] = {"input": fingerprint, "result": data, "done": True}
        except GraphQLError as e:
            ext = {"errorClass": e.error_class}
            if e.legacy_code:
                ext["legacyCode"] = e.legacy_code
            self.reply(200, {"data": None, "errors": [{"message": str(e), "extensions": ext}]})
            return
        if fault and fault.get("kind") == "status" and fault.get("after_commit"):
            self.reply(fault["code"], {"error": "injected after commit"})
            return
        if fault and fault.get("kind") == "slow":
            time.sleep(float(fault.get("seconds", 5)))
        self.reply(200, {"data": data})


def main():
    import orphan_guard  # next to this file: ends the simulator when the test process is gone
    orphan_guard.start()
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
