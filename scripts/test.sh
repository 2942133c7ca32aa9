#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-deps.sh

# Style first, it takes a second: the committed .swift-format (120 columns, GRDB-like layout), as swift format
# shipped with the toolchain reads it. `swift format format -i -r Sources Tests Package.swift` fixes what it finds.
swift format lint --strict -r Sources Tests Package.swift

swift build --build-tests
swift test --skip-build "$@"
