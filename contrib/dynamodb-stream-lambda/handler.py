"""AWS Lambda handler: the platform's side of popsa-ops' change feed.

Subscribed to the DynamoDB Streams (view type NEW_AND_OLD_IMAGES) of the users, prints, photos, orders,
payments and print-jobs tables, it turns each stream record into a line of popsa-ops' ingest format, signs the
batch and posts it to `popsa-ops serve`'s /ingest. It returns `batchItemFailures` (the partial batch response;
enable ReportBatchItemFailures on the event source mapping) so Lambda retries only from the first record that
was not applied.

Environment:
    POPSA_OPS_INGEST_URL     e.g. https://ops.internal.popsa.com/ingest
    POPSA_OPS_INGEST_SECRET  the shared secret (in production, read it from Secrets Manager instead)

Versions: a table whose items carry a numeric `version` attribute (the usual optimistic-locking counter) gives
exact last-writer-wins; otherwise the stream record's ApproximateCreationDateTime in milliseconds is used
(configure the stream with millisecond precision). A REMOVE becomes a tombstone one version past the old image's.
Only the standard library: nothing to package.
"""

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from decimal import Decimal

# Table name (from the stream ARN) -> record type, and the fields popsa-ops knows for it. Other attributes of the
# items (internal flags, GSIs' keys) are left out: popsa-ops refuses unknown fields so typos never drop data.
TABLES = {
    "users": ("user", ["id", "email", "name", "country", "locale", "status", "created_at"]),
    "prints": ("print", ["id", "user_id", "product", "title", "page_count", "photo_count", "created_at",
                         "updated_at"]),
    "photos": ("photo", ["print_id", "position", "status", "filename", "uploaded_at"]),
    "orders": ("order", ["id", "user_id", "print_id", "currency", "status", "line_items", "subtotal_amount",
                         "shipping_amount", "tax_amount", "total_amount", "shipping_address", "created_at"]),
    "payments": ("payment", ["id", "order_id", "provider", "provider_transaction_id", "provider_charge_id",
                             "amount", "currency", "status", "created_at", "settled_at"]),
    "print-jobs": ("print_job", ["id", "order_id", "partner", "status", "tracking_number", "carrier",
                                 "created_at", "updated_at"]),
}
KEYS = {"photo": ["print_id", "position"]}


def unmarshal(value):
    """DynamoDB's attribute-value JSON ({"S": "x"}, {"N": "12"}, {"M": {...}}, ...) to plain JSON values."""
    (kind, inner), = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        number = Decimal(inner)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "BOOL":
        return inner
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: unmarshal(v) for k, v in inner.items()}
    if kind == "L":
        return [unmarshal(v) for v in inner]
    if kind in ("SS", "BS"):
        return list(inner)
    if kind == "NS":
        return [unmarshal({"N": n}) for n in inner]
    raise ValueError(f"unsupported DynamoDB attribute type {kind}")


def table_of(record):
    # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
    return record["eventSourceARN"].split(":table/", 1)[1].split("/", 1)[0]


def entry(record):
    """The ingest line for one stream record, or None for a table popsa-ops does not follow."""
    table = table_of(record)
    if table not in TABLES:
        return None
    kind, fields = TABLES[table]
    stream = record["dynamodb"]
    created = stream.get("ApproximateCreationDateTime", time.time())
    fallback = int(Decimal(str(created)) * 1000)
    if record["eventName"] == "REMOVE":
        old = {k: unmarshal(v) for k, v in (stream.get("OldImage") or stream["Keys"]).items()}
        line = {"type": kind, "deleted": True}
        for key in KEYS.get(kind, ["id"]):
            line[key] = old[key]
        line["version"] = int(old["version"]) + 1 if "version" in old else fallback
        return line
    new = {k: unmarshal(v) for k, v in stream["NewImage"].items()}
    line = {"type": kind}
    line.update({k: new[k] for k in fields if k in new})
    line["version"] = int(new["version"]) if "version" in new else fallback
    return line


def sign(body, secret, timestamp):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post(lines, url, secret):
    """Posts lines as one batch: (status, parsed response)."""
    body = "\n".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) for line in lines).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Popsa-Signature": sign(body, secret, int(time.time())),
                                              "Content-Type": "application/x-ndjson"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}


def handler(event, context, url=None, secret=None):
    url = url or os.environ["POPSA_OPS_INGEST_URL"]
    secret = secret or os.environ["POPSA_OPS_INGEST_SECRET"]
    records = event.get("Records", [])
    pairs = [(record, entry(record)) for record in records]
    pairs = [(record, line) for record, line in pairs if line is not None]
    if not pairs:
        return {"batchItemFailures": []}

    def failures_from(index):
        return {"batchItemFailures": [{"itemIdentifier": pairs[index][0]["dynamodb"]["SequenceNumber"]}]}

    try:
        status, answer = post([line for _, line in pairs], url, secret)
    except OSError as error:  # unreachable, timed out: retry the whole batch
        print(json.dumps({"message": "ingest unreachable", "error": str(error)}))
        return failures_from(0)
    if status == 200:
        return {"batchItemFailures": []}
    if status == 422 and answer.get("error", {}).get("line"):
        # Nothing of the batch was applied: apply the good records before the bad one, then have Lambda retry
        # from the bad one (and, after its retries, send it to the failure destination).
        bad = int(answer["error"]["line"]) - 1
        print(json.dumps({"message": "record refused", "error": answer["error"],
                          "sequence": pairs[bad][0]["dynamodb"]["SequenceNumber"]}))
        if bad > 0:
            status, _ = post([line for _, line in pairs[:bad]], url, secret)
            if status != 200:
                return failures_from(0)
        return failures_from(bad)
    print(json.dumps({"message": "ingest refused the batch", "status": status, "answer": answer}))
    return failures_from(0)
