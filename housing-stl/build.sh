#!/usr/bin/env bash
# Regenerate every STL of the Shelly EM enclosure from shelly_em_housing.scad.
# Usage: housing-stl/build.sh [OUTPUT_DIR]   (default: next to this script)
# Needs the `openscad` command (Debian package "openscad"). Output is ASCII STL.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/shelly_em_housing.scad"
out="${1:-$here}"
mkdir -p "$out"

# OpenSCAD writes the same facets in a varying order from run to run; sorting the facet blocks makes
# the files byte-for-byte reproducible, so the committed STLs can be compared with a fresh build.
sort_facets() {
    local f="$1"
    {
        head -n 1 "$f"
        awk '/^ *facet /{b=$0; next} /^ *endfacet/{print b "|" $0; b=""; next} b!=""{b=b "|" $0}' "$f" \
            | LC_ALL=C sort | tr '|' '\n'
        tail -n 1 "$f"
    } >"$f.sorted"
    mv "$f.sorted" "$f"
}

command -v openscad >/dev/null || { echo "build.sh: openscad not found (apt-get install openscad)" >&2; exit 1; }

for devices in 1 2; do
    for part in bottom top din; do
        file="$out/shelly-em-x${devices}-${part}.stl"
        echo "build.sh: $file" >&2
        # -q keeps the log short; the ECHO lines and errors still reach stderr
        openscad -q --export-format asciistl -o "$file" \
            -D "part=\"$part\"" -D "devices=$devices" "$src"
        sort_facets "$file"
    done
done
