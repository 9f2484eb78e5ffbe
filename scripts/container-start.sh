#!/bin/sh
# The image's entrypoint: `python -m api` with the container's arguments. Before serving it
# migrates and loads the shipped content; then it execs, so the server itself is PID 1 and
# receives the signals `docker stop` sends.
set -eu
if [ "${1:-}" = "serve" ]; then
  python -m api migrate
  python -m api load-content
fi
exec python -m api "$@"
