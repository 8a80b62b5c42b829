#!/usr/bin/env bash
# An exec function (OpenFaaS classic-watchdog protocol): the request body arrives on stdin, the request line in
# Http_* variables; what this prints is the response body, and a non-zero exit would make it a 500.
set -euo pipefail

echo "exec-hello: ${Http_Method:-?} ${Http_Path:-/}" >&2   # stderr goes to the function's log: tandem fn logs --name exec-hello
echo "Hello from bash: ${Http_Method:-?} ${Http_Path:-/}${Http_Query:+?$Http_Query}"
body=$(cat)
if [[ -n "$body" ]]; then
  echo "You sent: $body"
fi
