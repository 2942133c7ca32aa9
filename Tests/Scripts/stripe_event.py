#!/usr/bin/env python3
"""Signs a Stripe event with Stripe's official library and posts it, as Stripe delivers webhooks.

    stripe_event.py URL SECRET EVENT_FILE [signed|tampered|stale|future]

The signature comes from the stripe library's own signer, and is checked with stripe.Webhook.construct_event
before sending (so the test proves popsa-ops accepts what Stripe's code produces and verifies). Prints the status,
then the body.
"""
import sys
import time
import os

import stripe

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from post_and_report import post_and_report  # noqa: E402

url, secret, path = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "signed"
payload = open(path, encoding="utf-8").read()
t = int(time.time()) + {"stale": -600, "future": 600}.get(mode, 0)
signature = stripe.WebhookSignature._compute_signature(f"{t}.{payload}", secret)
header = f"t={t},v1={signature}"
if mode == "signed":
    stripe.Webhook.construct_event(payload, header, secret)  # raises unless Stripe's own check accepts it
if mode == "tampered":
    payload = payload.replace('"amount":', '"amount":1', 1)
post_and_report(url, payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"})
