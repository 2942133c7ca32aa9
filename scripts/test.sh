#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-deps.sh

# Style first, it takes a second: the committed .swift-format (120 columns, GRDB-like layout), as swift format
# shipped with the toolchain reads it. `swift format format -i -r Sources Tests Package.swift` fixes what it finds.
swift format lint --strict -r Sources Tests Package.swift

swift build --build-tests

# The PostgreSQL store's tests use a cluster made for this run, stopped at the end whatever happens.
pg_dir=$(mktemp -d /tmp/popsa-ops-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
POPSA_OPS_TEST_POSTGRES=$(scripts/postgres.sh start "$pg_dir")
export POPSA_OPS_TEST_POSTGRES

swift test --skip-build "$@"

# The Debian package (a release build with the Swift runtime linked in, about 8 minutes from a clean clone):
# PackageTests installs it system-wide with dpkg (so only as root, as CI runs) and purges it at the end. It runs on
# its own, after the rest: while it is installed, /etc/popsa-ops/config.toml is every command's configuration.
if [ "$(id -u)" -eq 0 ] && command -v dpkg-deb >/dev/null && [ $# -eq 0 ]; then
  package=$(scripts/package.sh "$PWD/dist" | tail -1)
  POPSA_OPS_PACKAGE=$package swift test --skip-build --filter PackageTests
fi
