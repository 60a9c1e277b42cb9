# syntax=docker/dockerfile:1
# The `rebalancer` image: build and (optionally) test with the SDK, publish with .ci/publish.sh (the same command CI
# runs), run as a fixed non-root user on the chiseled (distroless) .NET runtime image. Choices and measurements:
# docs/deployment.md.
#
#   docker build -t rebalancer:0.1.0 .
#   docker build --build-arg RUN_TESTS=true -t rebalancer:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t rebalancer:0.1.0 .
#
# Base images are pinned by digest (the multi-platform index, so every platform resolves), with the tag they were taken
# from: a rebuild gets the same bits until the pin is moved on purpose. There is no registry access where this was
# written, so the digests are ones found published for these tags: both are the pins Dependabot keeps in
# github.com/plogramer/opportuniTY (deploy/docker/dotnet.Dockerfile, "pinned by multi-arch index digest"); the SDK's is
# also quoted for sdk:10.0, sdk:10.0-noble and sdk:10.0.401 (dated 2026-10-02) by other public Dockerfiles and
# inventories. SDK 10.0.401 is what global.json asks for. To move a pin, take the tag's current digest,
#   docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0 --format '{{json .Manifest.Digest}}'
# and update the FROM line and, for the runtime, the base.digest label (a test checks they agree).

# The SDK stage runs on the build machine's platform and cross-compiles for the target (ReadyToRun included): an
# arm64 image built on amd64 is compiled natively, not under emulation.
# mcr.microsoft.com/dotnet/sdk:10.0 (SDK 10.0.401)
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0@sha256:e70cdb7f80b0348f5cb85f19a8f670fca061f033d57eed12fa003d58b0e06317 AS build
ARG TARGETARCH
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Restore first, from the project files only, so a source edit does not invalidate the package layer. With
# PublishReadyToRun, as .ci/publish.sh publishes, so the layer also holds the Crossgen2 and runtime packs it needs.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Rebalancer.Core/Rebalancer.Core.csproj src/Rebalancer.Core/
COPY src/Rebalancer.Kubernetes/Rebalancer.Kubernetes.csproj src/Rebalancer.Kubernetes/
COPY src/Rebalancer.Reporting/Rebalancer.Reporting.csproj src/Rebalancer.Reporting/
COPY src/Rebalancer.Cli/Rebalancer.Cli.csproj src/Rebalancer.Cli/
COPY .ci/publish.sh .ci/
RUN dotnet restore src/Rebalancer.Cli -r "$(.ci/publish.sh --print-rid)" -p:PublishReadyToRun=true

COPY . .

# Off by default: CI runs the tests outside the image. On, the whole suite must pass for the image to build.
ARG RUN_TESTS=false
RUN if [ "$RUN_TESTS" = true ]; then dotnet test Rebalancer.sln; fi

# The one publish command, shared with CI (framework-dependent, ReadyToRun; docs/deployment.md says why not trimmed
# or AOT). It publishes for TARGETARCH (amd64 → linux-x64, arm64 → linux-arm64; any other is refused).
RUN .ci/publish.sh /app

# No shell and no package manager in the final image: nothing below may need a RUN. The target platform's image.
# mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled@sha256:cef1854a63da04795952a34c970591693d1f31c8e8f42ec14892d6198a49774b AS final
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="rebalancer" \
      org.opencontainers.image.description="Kubernetes descheduler and cluster-balancing job: PDB-aware evictions planned against a cumulative projection of the cluster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled" \
      org.opencontainers.image.base.digest="sha256:cef1854a63da04795952a34c970591693d1f31c8e8f42ec14892d6198a49774b"

COPY --from=build --chown=root:root /app /app
ENV PATH="/app:${PATH}"
# The same UID/GID as the manifests' runAsUser/runAsGroup (deploy/base/cronjob.yaml; a test checks they agree).
# Numeric, so Kubernetes can verify runAsNonRoot; no /etc/passwd entry is needed. The files stay root-owned: read-only.
USER 10001:10001
WORKDIR /tmp

ENTRYPOINT ["rebalancer"]
CMD ["run"]
