# Throwaway PostgreSQL server for the tests. Source it: `source .ci/postgres.sh`.
# Starts a private server on a free 127.0.0.1 port, exports ANYROUTER_TEST_PG_*,
# and stops it and deletes its data when the sourcing shell exits (EXIT trap).
# Any failure prints the server log tail and exits the sourcing shell non-zero.
# Works as root (server runs as the `postgres` OS user) and as a normal user.

_anyrouter_pg_fail() { # message; show what the server said, then abort
  echo "postgres.sh: $1" >&2
  local f
  for f in "${ANYROUTER_PG_DIR:-/nonexistent}"/{initdb,server}.log; do
    [ -s "$f" ] && { echo "--- tail of $f:" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1 # also fires the EXIT trap, which cleans up
}

_anyrouter_pg_as() { # run a command as the server's OS user (from /, which it can read)
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

_anyrouter_pg_stop() { # EXIT trap: stop the server, delete its data, then run the previous EXIT trap
  local rc=$?
  if [ -n "${ANYROUTER_PG_DIR:-}" ] && [ -d "$ANYROUTER_PG_DIR" ]; then
    [ -f "$ANYROUTER_PG_DIR/data/postmaster.pid" ] &&
      _anyrouter_pg_as "$ANYROUTER_PG_BIN/pg_ctl" -D "$ANYROUTER_PG_DIR/data" stop -m immediate >/dev/null 2>&1
    rm -rf "$ANYROUTER_PG_DIR" || :
  fi
  # Previous trap sees the original $? (the if/else form keeps it without tripping set -e).
  if (exit "$rc"); then eval "${_anyrouter_pg_prev_trap-}"; else eval "${_anyrouter_pg_prev_trap-}"; fi
}

_anyrouter_pg_start() {
  local sudo='' port='' try ver
  [ "$(id -u)" -eq 0 ] || sudo=sudo

  # 1. Server binaries: newest installed version, else install them.
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres.sh: installing PostgreSQL server (apt-get)..."
    local log; log=$(mktemp) # apt output is shown only if it fails
    { $sudo apt-get -qq update &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y postgresql; } >"$log" 2>&1 ||
      { tail -n 30 "$log" >&2; rm -f "$log"; _anyrouter_pg_fail "could not install the postgresql package"; }
    rm -f "$log"
  fi
  ANYROUTER_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$ANYROUTER_PG_BIN/postgres" ] || _anyrouter_pg_fail "no server binaries in /usr/lib/postgresql"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home postgres || _anyrouter_pg_fail "could not create user postgres"
  fi

  # 2. Private directory (data, socket, logs), removed by the EXIT trap from here on.
  ANYROUTER_PG_DIR=$(mktemp -d /tmp/anyrouter-pg.XXXXXX) || _anyrouter_pg_fail "mktemp failed"
  eval "set -- $(trap -p EXIT)" # previous EXIT trap, if any, is now $3: chain it
  _anyrouter_pg_prev_trap=${3-}
  trap _anyrouter_pg_stop EXIT
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$ANYROUTER_PG_DIR" || _anyrouter_pg_fail "chown failed"; fi
  _anyrouter_pg_as "$ANYROUTER_PG_BIN/initdb" -D "$ANYROUTER_PG_DIR/data" -A trust -U anyrouter \
    --encoding=UTF8 --no-locale >"$ANYROUTER_PG_DIR/initdb.log" 2>&1 || _anyrouter_pg_fail "initdb failed"

  # 3+4. Free port chosen by the OS (a few tries in case another process grabs it first).
  for try in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
      2>/dev/null) || port=$((20000 + RANDOM % 40000)) # no python3: random high port
    _anyrouter_pg_as "$ANYROUTER_PG_BIN/pg_ctl" -D "$ANYROUTER_PG_DIR/data" -w -l "$ANYROUTER_PG_DIR/server.log" start \
      -o "-p $port -k $ANYROUTER_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      >/dev/null 2>&1 && break
    port=''
  done
  [ -n "$port" ] || _anyrouter_pg_fail "server did not start"

  # 5. Coordinates for the tests.
  export ANYROUTER_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$port/postgres"
  export ANYROUTER_TEST_PG_USER=anyrouter
  export ANYROUTER_TEST_PG_PASSWORD=
  export ANYROUTER_TEST_PG_REQUIRED=true

  # 7. One line for the CI log.
  ver=$("$ANYROUTER_PG_BIN/postgres" --version) || ver="PostgreSQL (unknown version)"
  echo "PostgreSQL for tests: 127.0.0.1:$port, ${ver#postgres (PostgreSQL) }, data in $ANYROUTER_PG_DIR"
}

_anyrouter_pg_start
