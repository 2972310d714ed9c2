#!/usr/bin/env bash
# Installs the system packages the test suite runs against, on Debian 12 (as root, or via sudo).
# Peers we did not write, and real components: xmlsec1 (the reference C implementation of
# XML-DSig / XML-Enc: fixtures and cross-checks), SimpleSAMLphp under `php -S` (php-xml is NOT
# pulled in by simplesamlphp, and its pages need it), pysaml2 and Lasso (run with /usr/bin/python3),
# redis-server and PostgreSQL (each started by the tests on 127.0.0.1, in a temp directory: the
# postgresql package's own cluster is not used), and Debian's Chromium for browser tests
# (playwright-core drives it; npm cannot download browsers here).
# libapache2-mod-auth-mellon: the reference SP koa-mellon is named after, a private Apache in front of our IdP.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  xmlsec1 openssl ca-certificates \
  redis-server \
  postgresql \
  simplesamlphp php-cli php-xml php-mbstring \
  python3-pysaml2 python3-lasso \
  chromium fonts-dejavu-core \
  libapache2-mod-auth-mellon
