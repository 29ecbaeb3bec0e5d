#!/usr/bin/env bash
# Re-fetch the vendored Chart.js UMD build from the npm registry (needs npm; run by hand when upgrading).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${1:-4.6.1}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "chart.js@$VERSION" >/dev/null && tar xzf "chart.js-$VERSION.tgz")
cp "$TMP/package/dist/chart.umd.min.js" "$ROOT/ckanext/urbanaudit/assets/vendor/chart.umd.min.js"
cp "$TMP/package/LICENSE.md" "$ROOT/ckanext/urbanaudit/assets/vendor/chart.js.LICENSE.md"
echo "Chart.js $VERSION vendored into ckanext/urbanaudit/assets/vendor/"
