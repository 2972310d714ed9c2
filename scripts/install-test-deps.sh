#!/usr/bin/env bash
# Installs the system packages the test suite runs against (Debian 12, as root or with sudo).
# Peers we did not write: xmlsec1 (reference XML-DSig/XML-Enc), SimpleSAMLphp (IdP under php -S),
# pysaml2 and Lasso (run with /usr/bin/python3), redis-server, and Debian's Chromium for browser tests.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  xmlsec1 redis-server \
  python3-pysaml2 python3-lasso \
  simplesamlphp php-cli php-xml php-mbstring \
  chromium
