#!/usr/bin/env bash
# Copy the third-party browser files the pages need into server/kzct/web/static/vendor/.
# The copies are committed, so a clone serves the pages without npm; run this after changing
# ui/package.json (npm ci installs exactly what ui/package-lock.json records).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
vendor=../server/kzct/web/static/vendor
version() { node -p "require('./node_modules/$1/package.json').version"; }
# Copy a minified file without the comment that points to its source map (only for debugging).
copy_min() { sed '/^\/\/# sourceMappingURL=/d; s|/\*# sourceMappingURL=[^*]*\*/||; s|//# sourceMappingURL=.*$||' "$1" > "$2"; }
fresh() { rm -rf "$vendor/$1"; mkdir -p "$vendor/$1"; }

# YASGUI: the SPARQL editor and its stylesheet.
src=node_modules/@triply/yasgui
dest=$vendor/yasgui
fresh yasgui
copy_min "$src/build/yasgui.min.js" "$dest/yasgui.min.js"
copy_min "$src/build/yasgui.min.css" "$dest/yasgui.min.css"
cp "$src/LICENSE.txt" "$dest/LICENSE.txt"
cp "$src/build/yasgui.min.js.LICENSE.txt" "$dest/THIRD-PARTY-LICENSES.txt"
echo "@triply/yasgui $(version @triply/yasgui) from the npm registry, copied by ui/build.sh" > "$dest/VERSION"

# vis-timeline: the "peer" build, which (unlike "standalone") injects no <style> element, so the
# page keeps style-src 'self'; its two peers, moment and vis-data, are loaded before it.
dest=$vendor/vis-timeline
fresh vis-timeline
copy_min node_modules/moment/min/moment.min.js "$dest/moment.min.js"
copy_min node_modules/vis-data/peer/umd/vis-data.min.js "$dest/vis-data.min.js"
copy_min node_modules/vis-timeline/peer/umd/vis-timeline-graph2d.min.js "$dest/vis-timeline-graph2d.min.js"
copy_min node_modules/vis-timeline/styles/vis-timeline-graph2d.min.css "$dest/vis-timeline-graph2d.min.css"
cp node_modules/vis-timeline/LICENSE.MIT.txt "$dest/LICENSE-vis-timeline.txt"
for f in node_modules/vis-data/LICENSE*; do cp "$f" "$dest/$(basename "$f")-vis-data.txt"; done
cp node_modules/moment/LICENSE "$dest/LICENSE-moment.txt"
{
    echo "vis-timeline $(version vis-timeline) (peer build), vis-data $(version vis-data) (peer build)"
    echo "and moment $(version moment) from the npm registry, copied by ui/build.sh"
} > "$dest/VERSION"

# Cytoscape.js: the graph view. It adds a <style> element for its container unless an element
# with the id __________cytoscape_stylesheet exists: the page links this file under that id.
dest=$vendor/cytoscape
fresh cytoscape
copy_min node_modules/cytoscape/dist/cytoscape.min.js "$dest/cytoscape.min.js"
echo ".__________cytoscape_container { position: relative; }" > "$dest/cytoscape-container.css"
cp node_modules/cytoscape/LICENSE "$dest/LICENSE.txt"
echo "cytoscape $(version cytoscape) from the npm registry, copied by ui/build.sh" > "$dest/VERSION"

# The pages must load nothing from other hosts: fail if a stylesheet refers to one.
if grep -Eo 'url\((["'"'"']?)(https?:)?//' "$vendor"/*/*.css; then
    echo "ui/build.sh: a vendored stylesheet refers to another host" >&2
    exit 1
fi
ls -l "$vendor"/*
