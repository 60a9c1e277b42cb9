using Rebalancer.Testing.Prometheus;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>The tests that share the one real Prometheus of this assembly (started once, killed at the end).</summary>
[CollectionDefinition(Name)]
public sealed class PrometheusCollection : ICollectionFixture<PrometheusFixture>
{
    public const string Name = "Prometheus";
}
