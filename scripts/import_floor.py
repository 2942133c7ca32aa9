#!/usr/bin/env python3
"""The import benchmark's floor: a plain Python json.loads + executemany load of a JSON Lines export into the same
schema (an empty popsa-ops database), in one transaction, with none of the importer's checks.

    python3 scripts/import_floor.py DATABASE EXPORT.jsonl
"""
import json
import re
import sqlite3
import sys
from datetime import datetime

SQL = {
    "user": ("INSERT INTO users (id, email, name, country, locale, status, created_at, search_email) VALUES (?,?,?,?,?,?,?,?) "
             "ON CONFLICT(id) DO UPDATE SET email = excluded.email, name = excluded.name"),
    "print": ("INSERT INTO prints (id, user_id, product, title, page_count, photo_count, created_at, updated_at) "
              "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET title = excluded.title"),
    "photo": ("INSERT INTO photos (print_id, position, status, filename, uploaded_at) VALUES (?,?,?,?,?) "
              "ON CONFLICT(print_id, position) DO UPDATE SET status = excluded.status"),
    "order": ("INSERT INTO orders (id, user_id, print_id, currency, line_items, subtotal_amount, shipping_amount, "
              "tax_amount, total_amount, shipping_address, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
              "ON CONFLICT(id) DO UPDATE SET status = excluded.status"),
    "payment": ("INSERT INTO payments (id, order_id, provider, provider_transaction_id, provider_charge_id, amount, "
                "currency, status, created_at, settled_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET status = excluded.status"),
    "print_job": ("INSERT INTO print_jobs (id, order_id, partner, status, tracking_number, carrier, created_at, updated_at) "
                  "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET status = excluded.status"),
    "print_job_event": ("INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?,?,?,?,?) "
                        "ON CONFLICT(job_id, sequence) DO UPDATE SET status = excluded.status"),
}


def t(value):
    return None if value is None else int(datetime.fromisoformat(value).timestamp())


def row(r):
    kind = r["type"]
    if kind == "user":
        words = " ".join(w for w in re.split(r"[^0-9A-Za-z]+", r["email"]) if w)
        return (r["id"], r["email"], r["name"], r["country"], r.get("locale") or "", r.get("status") or "active",
                t(r["created_at"]), words)
    if kind == "print":
        return (r["id"], r["user_id"], r["product"], r["title"], r["page_count"], r["photo_count"], t(r["created_at"]),
                t(r.get("updated_at") or r["created_at"]))
    if kind == "photo":
        return (r["print_id"], r["position"], r["status"], r.get("filename") or "", t(r.get("uploaded_at")))
    if kind == "order":
        return (r["id"], r["user_id"], r["print_id"], r["currency"], json.dumps(r["line_items"]), r["subtotal_amount"],
                r["shipping_amount"], r["tax_amount"], r["total_amount"], json.dumps(r["shipping_address"]), r["status"],
                t(r["created_at"]))
    if kind == "payment":
        return (r["id"], r["order_id"], r["provider"], r["provider_transaction_id"], r.get("provider_charge_id"), r["amount"],
                r["currency"], r["status"], t(r["created_at"]), t(r.get("settled_at")))
    if kind == "print_job":
        return (r["id"], r["order_id"], r["partner"], r["status"], r.get("tracking_number"), r.get("carrier"),
                t(r["created_at"]), t(r.get("updated_at") or r["created_at"]))
    return (r["job_id"], r["sequence"], t(r["at"]), r["status"], r.get("message") or "")


def main(database, export):
    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("BEGIN IMMEDIATE")
    batch, kind, count = [], None, 0
    with open(export, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r["type"] != kind and batch:
                db.executemany(SQL[kind], batch)
                batch = []
            kind = r["type"]
            batch.append(row(r))
            count += 1
            if len(batch) >= 5000:
                db.executemany(SQL[kind], batch)
                batch = []
    if batch:
        db.executemany(SQL[kind], batch)
    db.execute("COMMIT")
    print(count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
