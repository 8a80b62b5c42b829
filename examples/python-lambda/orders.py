"""An orders API behind API Gateway, as written for AWS Lambda's Python runtime: the proxy event in (REST API or
HTTP API payload), a proxy response out. Orders live in the instance's memory, as in a warm Lambda sandbox: enough to
show state surviving between calls, not a store.

    GET  /orders          -> every order
    GET  /orders/{id}     -> one order, or 404
    POST /orders          -> {"item": ..., "quantity": n} stored, 201 with its id
"""

import json
import logging
import uuid

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ORDERS = {}


def handler(event, context):
    method, path = route(event)
    logger.info("%s %s (request %s)", method, path, context.aws_request_id)
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] != "orders":
        return reply(404, {"message": "no route " + path})
    if method == "GET" and len(parts) == 1:
        return reply(200, {"orders": list(ORDERS.values())})
    if method == "GET" and len(parts) == 2:
        order = ORDERS.get(parts[1])
        return reply(200, order) if order else reply(404, {"message": "no order " + parts[1]})
    if method == "POST" and len(parts) == 1:
        body = json.loads(event.get("body") or "{}")
        if not body.get("item") or int(body.get("quantity", 0)) <= 0:
            return reply(400, {"message": "give an item and a positive quantity"})
        order = {"id": uuid.uuid4().hex[:8], "item": body["item"], "quantity": int(body["quantity"])}
        ORDERS[order["id"]] = order
        return reply(201, order)
    return reply(405, {"message": method + " is not allowed on " + path})


def route(event):
    """The method and path of a REST API (payload 1.0) or HTTP API (payload 2.0) event."""
    http = event.get("requestContext", {}).get("http")
    if http:
        return http["method"], event.get("rawPath", http.get("path", "/"))
    return event.get("httpMethod", "GET"), event.get("path", "/")


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
