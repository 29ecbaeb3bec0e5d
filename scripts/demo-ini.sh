#!/usr/bin/env bash
# Write the demo configuration TARGET from TEMPLATE with secrets generated once
# on this machine (kept in var/demo.secrets, never committed).
set -euo pipefail
template=$1 target=$2
secrets="$(dirname "$target")/demo.secrets"
if [ ! -s "$secrets" ]; then
  umask 077
  printf 'SECRET_KEY=%s\nJWT_SECRET=%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
    "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" >"$secrets"
fi
# shellcheck disable=SC1090
. "$secrets"
sed -e "s/@SECRET_KEY@/$SECRET_KEY/" -e "s/@JWT_SECRET@/$JWT_SECRET/" "$template" >"$target"
