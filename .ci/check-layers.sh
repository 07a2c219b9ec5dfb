#!/usr/bin/env bash
# Checks that GDAL (ogrinfo) reads every GeoJSON layer the sample run writes, with the expected
# feature counts and field types. Usage: .ci/check-layers.sh PATH/TO/hotspots
set -euo pipefail
bin="$1"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bin" analyze --out "$out" --quiet

expect() { # file pattern
    if ! grep -qE "$2" "$out/$1.info"; then
        echo "ogrinfo: $1 lacks /$2/" >&2
        cat "$out/$1.info" >&2
        exit 1
    fi
}
for layer in hotspots districts patrol_areas; do
    ogrinfo -ro -so -al "$out/$layer.geojson" > "$out/$layer.info"
    expect "$layer" "Geometry: (Multi )?Polygon"
    expect "$layer" 'ID\["EPSG",4326\]'
    # No list-valued field: Shapefile and older GIS tools cannot keep one.
    if grep -qE "^[a-z_0-9]+: [A-Za-z]+List" "$out/$layer.info"; then
        echo "ogrinfo: $layer has a list-valued field:" >&2
        grep -E "List" "$out/$layer.info" >&2
        exit 1
    fi
done
expect patrol_areas "^profile: String"
expect patrol_areas "^reasons: String"
expect hotspots "Feature Count: 1027$"
expect hotspots "^h3: String"
expect hotspots "^category: String"
expect hotspots "^category_code: Integer"
expect hotspots "^pattern: String"
expect hotspots "^z: Real"
expect hotspots "^p: Real"
expect hotspots "^trend_tau: Real"
expect hotspots "^hot_bins: Integer"
expect hotspots "^count_total: Integer"
expect hotspots "^label_fi: String"
expect districts "Feature Count: 15$"
expect districts "^name: String"
expect districts "^encounters: Integer"
expect districts "^cells_new_hot_spot: Integer"
expect districts "^emerging: Integer\(Boolean\)"
echo "ogrinfo reads hotspots.geojson (1027 cells), districts.geojson (15 districts) and patrol_areas.geojson with the expected field types and no list-valued field"
