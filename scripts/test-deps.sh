#!/usr/bin/env bash
# Installs what the tests need and creates the second account the identity tests run as. Used by scripts/test.sh
# and scripts/mutants.sh; safe to run again.
set -euo pipefail

sudo_if_needed() { if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# System packages: tmux (real-terminal tests), promtool from prometheus (exposition checks), sqlite3 (fixtures),
# the C headers the build links against, and libxml2, which the binary opens at run time for Braintree's webhooks.
apt_packages=()
command -v tmux >/dev/null || apt_packages+=(tmux)
command -v promtool >/dev/null || apt_packages+=(prometheus)
command -v sqlite3 >/dev/null || apt_packages+=(sqlite3)
command -v curl >/dev/null || apt_packages+=(curl)
# The package test: man (the installed manual), lintian (checks the .deb), bash-completion.
command -v man >/dev/null || apt_packages+=(man-db)
command -v lintian >/dev/null || apt_packages+=(lintian)
[ -f /usr/share/bash-completion/bash_completion ] || apt_packages+=(bash-completion)
# PostgreSQL (Debian's, 15 here): the shared store's tests run against a throw-away cluster (scripts/postgres.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
for pkg in libsqlite3-dev libncurses-dev libxml2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_packages+=("$pkg")
done
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "test-deps.sh: installing ${apt_packages[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# localstripe: a stateful fake Stripe server the Stripe facade's tests talk to over loopback.
if ! python3 -c "import localstripe" 2>/dev/null; then
  echo "test-deps.sh: installing localstripe"
  python3 -m pip install --quiet --disable-pip-version-check localstripe
fi

# stripe: Stripe's official library, which signs and verifies webhook payloads in the webhook tests.
if ! python3 -c "import stripe" 2>/dev/null; then
  echo "test-deps.sh: installing stripe"
  python3 -m pip install --quiet --disable-pip-version-check stripe
fi

# braintree: Braintree's official SDK, whose webhook testing gateway signs the sample notifications the Braintree
# webhook tests post.
if ! python3 -c "import braintree" 2>/dev/null; then
  echo "test-deps.sh: installing braintree"
  python3 -m pip install --quiet --disable-pip-version-check braintree
fi

# A second, unprivileged account: the operator-identity tests run the binary as it (identity comes from the real
# uid, never from USER). Created only when running as root, as CI does.
if [ "$(id -u)" -eq 0 ] && ! id popsa-ops-test >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin popsa-ops-test
fi
