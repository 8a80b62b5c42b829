"""Tandem's runtime interface client for Python Lambda handlers (standard library only, Python 3.9 or later).

Run as ``python3 bootstrap.py module.function`` (or with ``_HANDLER`` set) by a ``lambda`` instance, which sets
``AWS_LAMBDA_RUNTIME_API``: it imports the handler once, then asks the Runtime API for one event at a time, calls
``handler(event, context)`` and posts the JSON result, or the error in Lambda's shape (errorMessage, errorType,
stackTrace). An import that fails is posted to ``init/error`` and ends the process, as Lambda's Python runtime does.

Single-threaded: events are handled one after another on the main thread.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API_VERSION = "/2018-06-01/runtime"


class RuntimeApi:
    """The instance's Runtime API over one kept-alive connection, opened again when the instance closed it."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host
        self._port = int(port)
        self._connection = None

    def next(self):
        response, body = self._send("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeError("invocation/next answered %d: %s" % (response.status, body[:200]))
        return response, body

    def respond(self, request_id, body):
        self._send("POST", "/invocation/%s/response" % request_id, body, {"Content-Type": "application/json"})

    def error(self, request_id, document):
        self._post_error("/invocation/%s/error" % request_id, document)

    def init_error(self, document):
        self._post_error("/init/error", document)

    def _post_error(self, path, document):
        headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": document["errorType"]}
        self._send("POST", path, json.dumps(document).encode("utf-8"), headers)

    def _send(self, method, path, body=None, headers=None):
        # A kept-alive connection may have been closed while idle: the request is sent again once on a new one.
        # Sending twice is harmless: a second answer for the same request id is refused by the instance.
        for attempt in (1, 2):
            reused = self._connection is not None
            if not reused:
                self._connection = http.client.HTTPConnection(self._host, self._port)
            try:
                self._connection.request(method, API_VERSION + path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                return response, response.read()
            except (http.client.HTTPException, ConnectionError):
                self._connection.close()
                self._connection = None
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")


class HandlerError(Exception):
    """A failure with Lambda's error type, such as Runtime.ImportModuleError."""

    def __init__(self, error_type, message, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.stack = stack or []


class CognitoIdentity:
    def __init__(self, fields):
        self.cognito_identity_id = fields.get("cognitoIdentityId")
        self.cognito_identity_pool_id = fields.get("cognitoIdentityPoolId")


class Client:
    def __init__(self, fields):
        self.installation_id = fields.get("installation_id")
        self.app_title = fields.get("app_title")
        self.app_version_name = fields.get("app_version_name")
        self.app_version_code = fields.get("app_version_code")
        self.app_package_name = fields.get("app_package_name")


class ClientContext:
    def __init__(self, fields):
        self.client = Client(fields["client"]) if fields.get("client") else None
        self.custom = fields.get("custom")
        self.env = fields.get("env")


class LambdaContext:
    """What a handler learns of its invocation; the function's fields come from the variables Lambda sets."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a string, as on Lambda
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(identity or {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return "LambdaContext(aws_request_id=%r, function_name=%r)" % (self.aws_request_id, self.function_name)


class RequestIdFilter(logging.Filter):
    """Stamps each log record with the request being served, as Lambda's log lines carry it."""

    request_id = None

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id or ""
        return True


def configure_output():
    """print and logging reach the instance's output at once, a line at a time, in Lambda's line format."""
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())


def configure_path(task_root):
    """The code first, then its python/ directory and the site-packages in it, where vendored packages go."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    version = "python%d.%d" % sys.version_info[:2]
    extra = [os.path.join(task_root, "python", "lib", version, "site-packages"), os.path.join(task_root, "python")]
    sys.path[0:0] = [task_root] + [p for p in extra if os.path.isdir(p)]


def load_handler(handler):
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise HandlerError("Runtime.MalformedHandlerName",
                           "Bad handler '%s': expected module.function, such as app.handler" % handler)
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        raise HandlerError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e),
                           stack_of(e))
    except ImportError as e:
        raise HandlerError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e),
                           stack_of(e))
    function = getattr(module, function_name, None)
    if function is None or not callable(function):
        raise HandlerError("Runtime.HandlerNotFound",
                           "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return function


def stack_of(error):
    return traceback.format_list(traceback.extract_tb(error.__traceback__))


def error_document(error, request_id=None):
    if isinstance(error, HandlerError):
        document = {"errorMessage": str(error), "errorType": error.error_type, "stackTrace": error.stack}
    else:
        document = {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": stack_of(error)}
    if request_id:
        document["requestId"] = request_id
    return document


def log_error(document):
    lines = ["[ERROR] %s: %s" % (document["errorType"], document["errorMessage"])]
    if document["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in document["stackTrace"])
    print("\n".join(lines), file=sys.stdout, flush=True)


def to_json(value):
    def number(o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    try:
        return json.dumps(value, default=number).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise HandlerError("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def from_json(body):
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError as e:
        raise HandlerError("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)


def header_json(response, name):
    text = response.getheader(name)
    return json.loads(text) if text else None


def serve(api, function):
    while True:
        response, body = api.next()
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        RequestIdFilter.request_id = request_id
        try:
            context = LambdaContext(request_id, int(response.getheader("Lambda-Runtime-Deadline-Ms") or 0),
                                    response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
                                    header_json(response, "Lambda-Runtime-Client-Context"),
                                    header_json(response, "Lambda-Runtime-Cognito-Identity"))
            result = to_json(function(from_json(body), context))
        except Exception as e:
            document = error_document(e, request_id)
            log_error(document)
            api.error(request_id, document)
        else:
            api.respond(request_id, result)
        finally:
            RequestIdFilter.request_id = None


def main(argv):
    handler = argv[1] if len(argv) > 1 and argv[1] else os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    configure_output()
    configure_path(task_root)
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        function = load_handler(handler)
    except Exception as e:
        document = error_document(e)
        log_error(document)
        api.init_error(document)
        sys.exit(1)
    serve(api, function)


if __name__ == "__main__":
    main(sys.argv)
