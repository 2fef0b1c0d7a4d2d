#!/usr/bin/env bash
# Re-fetches the console's third-party files into site/vendor/ from the npm registry, at the pinned versions below.
# The console has no build step: these are the packages' own ES module and CSS builds, copied as they are, except
# that hooks' bare `import … from "preact"` is pointed at the file next to it (the CSP forbids an inline import map).
#
#   preact 11.2.0       (MIT)  dist/preact.mjs, hooks/dist/hooks.mjs
#   htm 3.1.1           (Apache-2.0) dist/htm.module.js
#   @picocss/pico 2.1.1 (MIT)  css/pico.min.css
#
# To upgrade: change a version here, run this script, rebuild the server and run tests/clients/js/console.test.mjs.
set -euo pipefail

PREACT=11.2.0
HTM=3.1.1
PICO=2.1.1

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/site/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "preact@$PREACT" "htm@$HTM" "@picocss/pico@$PICO" >/dev/null
for pkg in preact htm pico; do
  mkdir "$pkg"
  tar -xzf ./*"$pkg"-*.tgz -C "$pkg" --strip-components=1
done

mkdir -p "$out"
# The source maps are not shipped: drop the comments that point at them.
strip_map() { sed -e '/^\/\/# sourceMappingURL=/d' "$1"; }
# Each file starts with a line naming its package, version and license (the full text is in LICENSE.<package>).
header() { echo "/* $1 $2 (npm), $3 license: see LICENSE.$1 next to this file. */"; }
{ header preact "$PREACT" MIT; strip_map preact/dist/preact.mjs; } > "$out/preact.mjs"
{ header preact "$PREACT" MIT; strip_map preact/hooks/dist/hooks.mjs \
    | sed -e 's/from"preact"/from".\/preact.mjs"/g'; } > "$out/hooks.mjs"
{ header htm "$HTM" Apache-2.0; strip_map htm/dist/htm.module.js; } > "$out/htm.mjs"
cp pico/css/pico.min.css "$out/pico.min.css"

cp preact/LICENSE "$out/LICENSE.preact"
cp htm/LICENSE "$out/LICENSE.htm"
cp pico/LICENSE.md "$out/LICENSE.pico"

# The import must have been rewritten, or the browser cannot resolve it.
if grep -q 'from"preact"' "$out/hooks.mjs"; then echo "hooks.mjs still imports a bare 'preact'" >&2; exit 1; fi
echo "vendored preact $PREACT, htm $HTM, @picocss/pico $PICO into $out"
