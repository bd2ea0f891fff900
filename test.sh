#!/usr/bin/env bash
# Runs every test project (unit, integration on SQLite and PostgreSQL, browser) and ends with one line:
# "N passed, N failed". Without PARLEY_TEST_POSTGRES it starts a throwaway PostgreSQL; it installs Debian's
# postgresql, chromium, curl and jq packages first when they are missing and it runs as root.
set -uo pipefail
cd "$(dirname "$0")"
source tools/test-postgres.sh

if [ -z "${PARLEY_TEST_POSTGRES:-}" ]; then
  if ! start_test_postgres; then
    if [ "${CI:-}" = "true" ]; then
      echo "test.sh: CI must run the PostgreSQL half of the suite." >&2
      echo "0 passed, 1 failed"
      exit 1
    fi
  fi
fi

# The browser tests drive Debian's Chromium; install it when we can, else they say they are skipped.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Chromium from Debian's packages (once)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "test.sh: Chromium did not install." >&2
  else
    echo "test.sh: Chromium is not installed (Debian: apt-get install chromium). The browser tests will be SKIPPED."
  fi
fi

# The directory sync tests start OpenLDAP's slapd on loopback and load it with ldapadd.
if [ ! -x /usr/sbin/slapd ] || [ ! -x /usr/bin/ldapadd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing slapd and ldap-utils from Debian's packages (once)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils >/dev/null || echo "test.sh: slapd did not install." >&2
  else
    echo "test.sh: OpenLDAP is not installed (Debian: apt-get install slapd ldap-utils). The directory sync tests will FAIL."
  fi
fi

# The API walkthrough test runs docs/api.md as written, with bash, curl and jq.
missing_tools=$(for tool in curl jq; do command -v "$tool" >/dev/null 2>&1 || printf '%s ' "$tool"; done)
if [ -n "$missing_tools" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing $missing_tools from Debian's packages (once)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing_tools >/dev/null || echo "test.sh: $missing_tools did not install." >&2
  else
    echo "test.sh: ${missing_tools}missing (Debian: apt-get install curl jq). The API walkthrough test will be SKIPPED."
  fi
fi

log=$(mktemp /tmp/parley-test.XXXXXX.log)
dotnet test Parley.slnx --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test project, e.g. "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total: ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- Failed:' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
projects=$(grep -cE '^(Passed|Failed)! +- Failed:' "$log")
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed before any test could report
fi
echo
echo "test.sh: $projects test project(s) reported; $skipped skipped."
echo "$passed passed, $failed failed"
exit "$status"
