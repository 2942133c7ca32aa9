#!/usr/bin/env python3
"""Signs a batch as the platform's sender does (an implementation independent of popsa-ops) and posts it.

    sign_and_post.py URL SECRET BODY_FILE [OFFSET_SECONDS] [EXTRA_SECRET]

Header: Popsa-Signature: t=UNIX_TIME,v1=hex(HMAC-SHA256(SECRET, f"{t}.{body}")); OFFSET_SECONDS moves t (a stale
or future-dated signature); EXTRA_SECRET adds a second v1 (secret rotation). Prints the status, then the body.
"""
import hashlib
import hmac
import sys
import time
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from post_and_report import post_and_report  # noqa: E402

url, secret, path = sys.argv[1], sys.argv[2], sys.argv[3]
offset = int(sys.argv[4]) if len(sys.argv) > 4 else 0
extra = sys.argv[5] if len(sys.argv) > 5 else None
body = open(path, "rb").read()
t = int(time.time()) + offset


def v1(key):
    return hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


header = f"t={t}" + (f",v1={v1(extra)}" if extra else "") + f",v1={v1(secret)}"
post_and_report(url, body, {"Popsa-Signature": header})
