#!/usr/bin/env bash
# The one publish command of the `rebalancer` executable. The Dockerfile runs this script and CI runs it too, so the
# image and CI build identical output. Framework-dependent and ReadyToRun (no trimming, no Native AOT):
# docs/deployment.md has the measurements and the reasons.
#
#   .ci/publish.sh [OUTPUT_DIR]          default: artifacts/publish/rebalancer (git-ignored)
#   RID=linux-arm64 .ci/publish.sh       another runtime identifier (default: linux-x64)
#   TARGETARCH=arm64 .ci/publish.sh      the same from a Docker platform architecture (amd64, arm64), as the
#                                        Dockerfile's build stage has it; RID wins when both are set
#   .ci/publish.sh --print-rid           print the runtime identifier it would publish for, and stop
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${RID:-}" ]]; then
  rid="$RID"
else
  # Refused rather than defaulted: an arm/v7 or s390x image with x64 code inside would fail only when it runs.
  case "${TARGETARCH:-}" in
    "" | amd64 | x64) rid=linux-x64 ;;
    arm64) rid=linux-arm64 ;;
    *) echo "publish.sh: TARGETARCH '${TARGETARCH}' is not supported (amd64 or arm64)" >&2; exit 2 ;;
  esac
fi

if [[ "${1:-}" == "--print-rid" ]]; then
  echo "$rid"
  exit 0
fi

out="${1:-artifacts/publish/rebalancer}"

# --self-contained false: the runtime comes from the base image (mcr.microsoft.com/dotnet/runtime), shared by every
# layer-cached pull. UseAppHost: the `rebalancer` launcher, so the image's ENTRYPOINT is the command name itself.
# The XML API docs are for IDEs, not for a container; the .pdb files stay so stack traces in logs have line numbers.
# ReadyToRun: the application's and its packages' code is precompiled for $rid, so a run JIT-compiles only what
# crossgen cannot (generic instantiations across assemblies, the tier-1 rejit of hot methods): 0.2-0.5 s less CPU per
# run, 38 MB instead of 17 MB, ~27 s more publish (docs/deployment.md, "Start-up"). It needs the Crossgen2 and runtime
# packs of the SDK's runtime version, restored from NuGet like any package (the Dockerfile's restore layer has them).
dotnet publish src/Rebalancer.Cli -c Release -r "$rid" --self-contained false -p:UseAppHost=true \
  -p:PublishReadyToRun=true \
  -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false -o "$out"

# A smoke run where the output can run here (not when cross-publishing another architecture).
host_rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
if [[ "$rid" == "$host_rid" ]]; then
  echo "published rebalancer $("$out/rebalancer" --version) for $rid to $out"
else
  echo "published rebalancer for $rid to $out (not run: this machine is $host_rid)"
fi
