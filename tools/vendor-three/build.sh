#!/usr/bin/env bash
# Rebuilds the three.js bundle the HTML view inlines (src/insolegen/outputs/web/three.min.js)
# from the npm registry, with the versions pinned in package.json. Run it only to change the
# three.js version; the bundle is committed so that installing insolegen needs no Node.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
web="$here/../../src/insolegen/outputs/web"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --silent
npx esbuild entry.js --bundle --minify --format=iife --global-name=THREE --legal-comments=none \
  --outfile="$web/three.min.js"
cp node_modules/three/LICENSE "$web/three.LICENSE"
echo "three $(node -p "JSON.parse(require('fs').readFileSync('node_modules/three/package.json')).version")" > "$web/three.VERSION"
