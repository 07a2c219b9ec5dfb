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
# The sample's blind spots have 2-4 concern reports each, so public/ lists none of them at the
# default --min-count 5: its public blind spots are read from a run at --min-count 2.
"$bin" analyze --out "$out/m2" --min-count 2 --quiet
mkdir -p "$out/public2"
cp "$out/m2/public/blind_spots.geojson" "$out/public2/blind_spots.geojson"
for layer in public/hotspots public/districts public/patrol_areas public2/blind_spots internal/hotspots internal/districts internal/patrol_areas internal/blind_spots; do
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
refuse() { # file pattern: the public layers must not carry it
    if grep -qE "$2" "$out/$1.info"; then
        echo "ogrinfo: $1 has /$2/" >&2
        exit 1
    fi
}
for audience in public internal; do
    expect $audience/patrol_areas "^profile: String"
    expect $audience/patrol_areas "^reasons: String"
    expect $audience/hotspots "Feature Count: 1027$"
    expect $audience/hotspots "^h3: String"
    expect $audience/hotspots "^category: String"
    expect $audience/hotspots "^category_code: Integer"
    expect $audience/hotspots "^pattern: String"
    expect $audience/hotspots "^gi_bin: Integer"
    expect $audience/hotspots "^trend: String"
    expect $audience/hotspots "^hot_bins: Integer"
    expect $audience/hotspots "^count_total: Integer"
    expect $audience/hotspots "^label_fi: String"
    expect $audience/districts "Feature Count: 15$"
    expect $audience/districts "^name: String"
    expect $audience/districts "^events: Integer"
    expect $audience/districts "^cells_new_hot_spot: Integer"
    expect $audience/districts "^emerging: Integer\(Boolean\)"
done
expect internal/hotspots "^z: Real"
expect internal/hotspots "^p: Real"
expect internal/hotspots "^trend_tau: Real"
expect internal/districts "^encounters: Integer"
refuse public/hotspots "^(z|p|trend_tau|trend_p): "
refuse public/districts "^(encounters|concerns|trend_tau|trend_p): "
refuse public/patrol_areas "^(score|unmet_concern_p|recent_events): "
expect public/patrol_areas "^label: String"
# The sample's effort log: blind spots, and areas that serve or explore.
for audience in public2 internal; do
    expect $audience/blind_spots "^effort_hours: Real"
    expect $audience/blind_spots "^in_plan: Integer\(Boolean\)"
done
for audience in public internal; do
    expect $audience/patrol_areas "^purpose: String"
    expect $audience/patrol_areas "^blind_spot: Integer\(Boolean\)"
done
expect internal/blind_spots "^concerns: Integer"
refuse public2/blind_spots "^(concerns|concern_forecast|encounters|encounters_per_hour): "
ogrinfo -ro -so -al "$out/public/blind_spots.geojson" > "$out/public/blind_spots.info"
expect public/blind_spots "Feature Count: 0$"
# changes.geojson after two runs a week apart in one folder.
"$bin" analyze --out "$out/nights" --until 2026-10-26 --quiet
"$bin" analyze --out "$out/nights" --quiet
ogrinfo -ro -so -al "$out/nights/public/changes.geojson" > "$out/changes.info"
for field in "^change: String" "^kind: String" "^h3: String" "^rank_now: Integer" "^label: String" 'ID\["EPSG",4326\]'; do
    if ! grep -qE "$field" "$out/changes.info"; then
        echo "ogrinfo: changes.geojson lacks /$field/" >&2
        cat "$out/changes.info" >&2
        exit 1
    fi
done
echo "ogrinfo reads the public and internal hotspots.geojson (1027 cells), districts.geojson (15 districts) patrol_areas.geojson, blind_spots.geojson and changes.geojson with the expected field types, no list-valued field, and no exact statistic in public"
