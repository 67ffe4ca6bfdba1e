#!/usr/bin/env python3
"""A walk through the ccm API from Python, with the standard library only.

    python3 walkthrough.py http://127.0.0.1:8000 admin 'the admin password'

Reads the OpenAPI document (GET /api/openapi.json) and calls every operation by its operationId, the way a
generated client would: log in, create a customer, create two contacts, list them, make the second one primary,
delete it. Checks status codes and fields on the way and exits with status 1 at the first mismatch.
"""

import json
import re
import sys
import time
import urllib.error
import urllib.request


class Mismatch(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Mismatch(what)


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None
        status, self.document = self.send("GET", "/api/openapi.json")
        expect(status == 200, f"GET /api/openapi.json: {status}")
        # operationId -> (METHOD, path template)
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in self.document["paths"].items()
            for method, op in item.items()
        }

    def send(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:  # 4xx/5xx still carry the JSON envelope
            status, raw = error.code, error.read()
        return status, (json.loads(raw) if raw else None)

    def call(self, operation_id, expected_status, body=None, query="", **params):
        expect(operation_id in self.operations, f"the document has no operation {operation_id}")
        method, template = self.operations[operation_id]
        path = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), template) + query
        status, answer = self.send(method, path, body)
        print(f"{method} {path} -> {status}")
        expect(status == expected_status, f"{method} {path}: expected {expected_status}, got {status}: {answer}")
        if answer is not None and status < 300:
            expect(answer.get("success") is True, f"{method} {path}: success is not true: {answer}")
        return answer


def main(base, username, password):
    api = Client(base)
    stamp = str(int(time.time() * 1000))[-8:]

    login = api.call("authLogin", 200, {"username": username, "password": password})["data"]
    expect(login["token_type"] == "Bearer" and login["access"], f"login: {login}")
    expect(login["user"]["username"] == username, f"login user: {login['user']}")
    api.token = login["access"]
    me = api.call("authMe", 200)["data"]
    expect(me["username"] == username, f"me: {me}")

    customer = api.call(
        "customersCreate",
        201,
        {
            "username": f"py{stamp}",
            "email": f"py{stamp}@Example.com",
            "first_name": "Py",
            "last_name": "Thon",
            "nic": f"9{stamp}v",
        },
    )["data"]
    expect(re.fullmatch(r"CUST\d{6,}", customer["customer_id"]), f"customer_id: {customer}")
    expect(customer["email"] == f"py{stamp}@example.com", f"e-mail not lower-cased: {customer}")
    expect(customer["nic"] == f"9{stamp}V" and customer["full_name"] == "Py Thon", f"customer: {customer}")

    first = api.call(
        "contactsCreate",
        201,
        {
            "customer": customer["id"],
            "email": "first@example.com",
            "wa_number": "0771234567",
            "tp_number": "0112345678",
            "is_primary": True,
        },
    )["data"]
    expect(first["wa_number"] == "+94771234567" and first["tp_number"] == "+94112345678", f"E.164: {first}")
    expect(first["is_primary"] is True and first["is_active"] is True, f"first contact: {first}")
    expect(first["customer"] == customer["id"], f"first contact customer: {first}")
    second = api.call(
        "contactsCreate",
        201,
        {"customer": customer["id"], "email": "second@example.com", "wa_number": "0771234568", "tp_number": "0112345679"},
    )["data"]
    expect(second["is_primary"] is False, f"second contact: {second}")
    duplicate = api.call(
        "contactsCreate",
        400,
        {"customer": customer["id"], "email": "FIRST@example.com", "wa_number": "0771234569", "tp_number": "0112345670"},
    )
    expect("email" in duplicate["errors"], f"duplicate e-mail: {duplicate}")

    listed = api.call("contactsList", 200, query=f"?customer_id={customer['id']}&ordering=id")["data"]
    expect(listed["count"] == 2, f"list count: {listed}")
    expect([c["id"] for c in listed["results"]] == [first["id"], second["id"]], f"list order: {listed}")

    primary = api.call("contactsSetPrimary", 200, id=second["id"])["data"]
    expect(primary["id"] == second["id"] and primary["is_primary"] is True, f"set-primary: {primary}")
    view = api.call("customersContacts", 200, id=customer["id"])["data"]
    expect([c["id"] for c in view["contacts"]][0] == second["id"], f"primary first: {view}")
    expect([c["is_primary"] for c in view["contacts"]] == [True, False], f"previous primary demoted: {view}")

    expect(api.call("contactsDelete", 204, id=second["id"]) is None, "delete answers an empty body")
    gone = api.call("contactsGet", 404, id=second["id"])
    expect(gone["success"] is False and gone["message"] == "Contact not found.", f"deleted contact: {gone}")
    left = api.call("contactsList", 200, query=f"?customer_id={customer['id']}")["data"]
    expect([c["id"] for c in left["results"]] == [first["id"]], f"after delete: {left}")

    api.token = None
    api.call("contactsList", 401)
    print("walkthrough: OK")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except Mismatch as mismatch:
        print(f"walkthrough: MISMATCH: {mismatch}", file=sys.stderr)
        sys.exit(1)
