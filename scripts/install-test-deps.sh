#!/usr/bin/env bash
# Installs the system packages the test suite runs against, on Debian 12 (as root, or via sudo).
# Today: xmlsec1, the reference C implementation of XML-DSig / XML-Enc, which signs and encrypts
# the fixtures and checks what we sign; openssl for test certificates. The interop suites add
# their peers here (SimpleSAMLphp, pysaml2, Lasso, chromium) as they land. redis-server: the shared
# store tests start their own on 127.0.0.1.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends xmlsec1 openssl ca-certificates redis-server simplesamlphp php-cli php-xml php-mbstring chromium fonts-dejavu-core
# pysaml2 and Lasso, run with Debian's /usr/bin/python3 (test/interop/pysaml2, test/interop/lasso).
$SUDO apt-get install -y -q --no-install-recommends python3-pysaml2 python3-lasso
