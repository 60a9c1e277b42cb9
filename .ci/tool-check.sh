#!/usr/bin/env bash
# The .NET tool as a user gets it: pack src/Rebalancer.Cli, install the package with `dotnet tool install` into a
# throw-away tool path, and run the installed `rebalancer`: --version, then the demo plan, which must plan evictions.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

package_id=$(dotnet msbuild src/Rebalancer.Cli -getProperty:PackageId)
version=$(dotnet msbuild src/Rebalancer.Cli -getProperty:Version)

dotnet pack src/Rebalancer.Cli -c Release -o "$work/packages" -nologo

# Only the freshly packed package may be installed: no other feed (a package of the same id elsewhere must not win) and
# an empty package cache (a stale extraction of the same version must not be reused). A tool package carries its
# dependencies, so nothing else is needed.
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="packed" value="$work/packages" />
  </packageSources>
</configuration>
CONFIG
NUGET_PACKAGES="$work/nuget-cache" dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" \
  "$package_id" --version "$version"

installed_version=$("$work/tools/rebalancer" --version)
echo "installed $package_id $installed_version"
[[ "$installed_version" == "$version"* ]] || { echo "tool reports version '$installed_version', packed $version" >&2; exit 1; }

"$work/tools/rebalancer" plan --snapshot samples/demo-cluster.json --policy samples/policy.yaml --output json > "$work/plan.json"
# The report's summary states the number of planned evictions first ("evictions": N); the demo must plan some.
evictions=$(grep -o '"evictions": [0-9]*' "$work/plan.json" | head -n1 | grep -o '[0-9]*$' || true)
if [[ -z "$evictions" || "$evictions" -eq 0 ]]; then
  echo "the installed tool planned no evictions for the demo cluster" >&2
  exit 1
fi
echo "tool check passed: the installed rebalancer planned $evictions evictions for the demo cluster"
