#!/usr/bin/env bash
# Generates clients from docs/openapi.json and uses them against a real roster server:
#  1. a Python client (openapi-python-client); any generator warning fails the run;
#  2. TypeScript types (openapi-typescript), against which ts/client.ts, an openapi-fetch
#     program, must type-check under `tsc --strict`; any generator warning fails the run;
#  3. scenario.py, which calls every operation of the document through the generated Python
#     client against a server started here, and fails when an operation goes uncalled.
# See README.md beside this file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ROSTER_BIN:-$root/target/debug/roster}"
spec="$root/docs/openapi.json"
venv="$root/target/generated-clients-venv"
admin_password=generated-clients-admin
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

# The generated client uses typing.Self and enum.StrEnum.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: the generated Python client needs Python 3.11 or later" >&2
  exit 1
fi
if [ ! -x "$bin" ]; then
  echo "error: no roster binary at $bin: run \`cargo build -p roster-server\` or set ROSTER_BIN" >&2
  exit 1
fi

# Fails the run when a generator's output mentions a warning (the paths it names left out).
no_warnings() { # log, generator name
  if sed -e "s#$work##g" -e "s#$root##g" "$1" | grep -qiE 'warn|⚠'; then
    echo "error: $2 printed a warning:" >&2
    cat "$1" >&2
    exit 1
  fi
}

# --- Python client ---------------------------------------------------------------------------
# The venv is (re)built when requirements.txt changes.
if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

cat >"$work/config.yml" <<'EOF'
project_name_override: roster-client
package_name_override: roster_client
EOF
# The generator formats its output with ruff, which it finds on PATH (else it warns).
if ! PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate --path "$spec" \
  --config "$work/config.yml" --meta none --output-path "$work/py/roster_client" --overwrite \
  --fail-on-warning >"$work/python-generator.log" 2>&1; then
  echo "error: openapi-python-client failed:" >&2
  cat "$work/python-generator.log" >&2
  exit 1
fi
no_warnings "$work/python-generator.log" openapi-python-client
echo "python client generated ($(find "$work/py/roster_client/api" -name '*.py' ! -name '__init__.py' | wc -l) operations)"

# --- TypeScript types and a type-checked program ---------------------------------------------
(
  cd "$here/ts"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  mkdir -p generated
  if ! node_modules/.bin/openapi-typescript "$spec" --output generated/roster.d.ts \
    >"$work/ts-generator.log" 2>&1; then
    echo "error: openapi-typescript failed:" >&2
    cat "$work/ts-generator.log" >&2
    exit 1
  fi
  no_warnings "$work/ts-generator.log" openapi-typescript
  node_modules/.bin/tsc --noEmit --strict -p tsconfig.json
)
echo "typescript client type-checks"

# --- the scenario against a server -----------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --listen "127.0.0.1:$port" --database-url "sqlite://$work/roster.db?mode=rwc" \
  --admin-password "$admin_password" --argon2-memory-kib 1024 --argon2-iterations 1 \
  --login-max-failures 1000 >"$work/server.log" 2>&1 &
server=$!
healthy=""
for _ in $(seq 1 300); do
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; then healthy=1; break; fi
  sleep 0.1
done
if [ -z "$healthy" ]; then
  echo "error: the server did not come up; its output:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

if ! "$venv/bin/python" "$here/scenario.py" --spec "$spec" --client-dir "$work/py" \
  --base-url "http://127.0.0.1:$port" --admin-password "$admin_password"; then
  echo "--- the server's last output:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi
echo "generated clients: done in $((SECONDS - started)) s"
