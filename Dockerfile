# syntax=docker/dockerfile:1
# The `rebalancer` image: build and (optionally) test with the SDK, publish with .ci/publish.sh (the same command CI
# runs), run as a fixed non-root user on the chiseled (distroless) .NET runtime image. Choices and measurements:
# docs/deployment.md.
#
#   docker build -t rebalancer:0.1.0 .
#   docker build --build-arg RUN_TESTS=true -t rebalancer:0.1.0 .

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
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
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet restore src/Rebalancer.Cli -r "$RID" -p:PublishReadyToRun=true

COPY . .

# Off by default: CI runs the tests outside the image. On, the whole suite must pass for the image to build.
ARG RUN_TESTS=false
RUN if [ "$RUN_TESTS" = true ]; then dotnet test Rebalancer.sln; fi

# The one publish command, shared with CI (framework-dependent, ReadyToRun; docs/deployment.md says why not trimmed
# or AOT).
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" .ci/publish.sh /app

# No shell and no package manager in the final image: nothing below may need a RUN.
FROM mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION}-noble-chiseled AS final
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="rebalancer" \
      org.opencontainers.image.description="Kubernetes descheduler and cluster-balancing job: PDB-aware evictions planned against a cumulative projection of the cluster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled"

COPY --from=build --chown=root:root /app /app
ENV PATH="/app:${PATH}"
# The same UID/GID as the manifests' runAsUser/runAsGroup (deploy/base/cronjob.yaml; a test checks they agree).
# Numeric, so Kubernetes can verify runAsNonRoot; no /etc/passwd entry is needed. The files stay root-owned: read-only.
USER 10001:10001
WORKDIR /tmp

ENTRYPOINT ["rebalancer"]
CMD ["run"]
