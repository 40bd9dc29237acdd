#!/usr/bin/env bash
# Copy the third-party browser files the query page needs into server/kzct/web/static/vendor/.
# The copies are committed, so a clone serves the page without npm; run this after changing
# ui/package.json (npm ci installs exactly what ui/package-lock.json records).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
src=node_modules/@triply/yasgui
dest=../server/kzct/web/static/vendor/yasgui
version=$(node -p "require('./$src/package.json').version")
rm -rf "$dest"
mkdir -p "$dest"
# The source map is 4 MB and only for debugging: drop the comment that points to it.
sed '/^\/\/# sourceMappingURL=/d' "$src/build/yasgui.min.js" > "$dest/yasgui.min.js"
sed '/sourceMappingURL=/d' "$src/build/yasgui.min.css" > "$dest/yasgui.min.css"
cp "$src/LICENSE.txt" "$dest/LICENSE.txt"
cp "$src/build/yasgui.min.js.LICENSE.txt" "$dest/THIRD-PARTY-LICENSES.txt"
echo "@triply/yasgui $version from the npm registry, copied by ui/build.sh" > "$dest/VERSION"
# The page must load nothing from other hosts: fail if a stylesheet refers to one.
if grep -Eo 'url\((["'"'"']?)(https?:)?//' "$dest/yasgui.min.css"; then
    echo "ui/build.sh: yasgui.min.css refers to another host" >&2
    exit 1
fi
ls -l "$dest"
