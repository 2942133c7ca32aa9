#!/usr/bin/env python3
"""Makes a Braintree webhook notification with Braintree's official SDK and posts it, as Braintree delivers them.

    braintree_webhook.py URL PUBLIC_KEY PRIVATE_KEY KIND ID [signed|tampered|otherkey]
    braintree_webhook.py URL PUBLIC_KEY PRIVATE_KEY challenge HEX

The notification comes from the SDK's webhook testing gateway (sample_notification), signed with the key pair;
the SDK's own parser accepts it before it is sent. `tampered` changes the payload after signing; `otherkey` signs
with another private key. `challenge` GETs the endpoint with bt_challenge and prints the status, the body, and
whether the body is what the SDK's verify() computes. Otherwise prints the status, then the body.
"""
import base64
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import braintree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from post_and_report import post_and_report  # noqa: E402

url, public_key, private_key, kind, ident = sys.argv[1:6]
mode = sys.argv[6] if len(sys.argv) > 6 else "signed"


def gateway(private):
    return braintree.BraintreeGateway(braintree.Configuration(
        braintree.Environment.Sandbox, merchant_id="popsa", public_key=public_key, private_key=private))


if kind == "challenge":
    try:
        expected = gateway(private_key).webhook_notification.verify(ident)
    except braintree.exceptions.InvalidChallengeError:
        expected = None  # the SDK refuses it too: the endpoint must answer 400
    try:
        with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"bt_challenge": ident}), timeout=30) as r:
            status, body = r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    print(status)
    print(body)
    print("match" if body == expected else "differs: expected %s" % expected)
    sys.exit(0)

signer = gateway(private_key if mode != "otherkey" else private_key + "-other")
sample = signer.webhook_testing.sample_notification(kind, ident)
signature, payload = sample["bt_signature"], sample["bt_payload"]
if mode != "otherkey":
    gateway(private_key).webhook_notification.parse(signature, payload)  # raises unless Braintree's check accepts it
if mode == "tampered":
    xml = base64.b64decode(payload).decode().replace("<status>open</status>", "<status>won</status>", 1)
    xml = xml.replace("<status>settled</status>", "<status>settled </status>", 1)
    payload = base64.b64encode(xml.encode()).decode() + "\n"
body = urllib.parse.urlencode({"bt_signature": signature, "bt_payload": payload}).encode()
post_and_report(url, body, {"Content-Type": "application/x-www-form-urlencoded"})
