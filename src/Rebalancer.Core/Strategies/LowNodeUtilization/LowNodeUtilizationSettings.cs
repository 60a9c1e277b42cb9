using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.NodeUtilization;

namespace Rebalancer.Core.Strategies.LowNodeUtilization;

public enum MetricsUtilizationSource
{
    /// <summary>Pod requests (the descheduler's default).</summary>
    Requested,

    /// <summary>metrics.k8s.io NodeMetrics / PodMetrics.</summary>
    KubernetesMetrics,

    /// <summary>An instant Prometheus query returning one value in [0, 1] per node (<c>MetricResource</c>).</summary>
    Prometheus,
}

/// <summary>LowNodeUtilization args (descheduler-semantics §1.2).</summary>
public sealed record LowNodeUtilizationSettings
{
    public bool UseDeviationThresholds { get; init; }

    public ResourceThresholds Thresholds { get; init; } = ResourceThresholds.Empty;

    public ResourceThresholds TargetThresholds { get; init; } = ResourceThresholds.Empty;

    public int NumberOfNodes { get; init; }

    public MetricsUtilizationSource MetricsSource { get; init; }

    public string? PrometheusQuery { get; init; }

    public NamespacesSpec EvictableNamespaces { get; init; } = NamespacesSpec.All;

    /// <summary><c>evictionLimits.node</c>: evictions per node by this plugin; null = unlimited.</summary>
    public uint? NodeEvictionLimit { get; init; }

    public static LowNodeUtilizationSettings Bind(ArgsReader args)
    {
        bool deviation = args.Bool("useDeviationThresholds") ?? false;
        ResourceThresholds? thresholds = ResourceThresholds.Read(args, "thresholds");
        ResourceThresholds? targets = ResourceThresholds.Read(args, "targetThresholds");
        int numberOfNodes = (int)(args.Integer("numberOfNodes", 0, int.MaxValue) ?? 0);
        NamespacesSpec? namespaces = args.Namespaces("evictableNamespaces", allowInclude: false);
        uint? nodeLimit = null;
        PolicyNode? limitsNode = args.Child("evictionLimits");
        if (limitsNode is not null)
        {
            var limits = new ArgsReader(limitsNode, args.Problems, args.FieldPath("evictionLimits"));
            nodeLimit = limits.Integer("node", 0, uint.MaxValue) is long l ? (uint)l : null;
            limits.RejectUnknown();
        }

        (MetricsUtilizationSource source, string? query) = ReadMetrics(args);
        ValidateThresholds(args, thresholds, targets, deviation, source);

        return new LowNodeUtilizationSettings
        {
            UseDeviationThresholds = deviation,
            Thresholds = thresholds ?? ResourceThresholds.Empty,
            TargetThresholds = targets ?? ResourceThresholds.Empty,
            NumberOfNodes = numberOfNodes,
            MetricsSource = source,
            PrometheusQuery = query,
            EvictableNamespaces = namespaces ?? NamespacesSpec.All,
            NodeEvictionLimit = nodeLimit,
        };
    }

    internal static (MetricsUtilizationSource Source, string? Query) ReadMetrics(ArgsReader args)
    {
        PolicyNode? node = args.Child("metricsUtilization");
        if (node is null)
        {
            return (MetricsUtilizationSource.Requested, null);
        }

        var metrics = new ArgsReader(node, args.Problems, args.FieldPath("metricsUtilization"));
        bool metricsServer = metrics.Bool("metricsServer") ?? false;
        string? source = metrics.String("source", ["KubernetesMetrics", "Prometheus"]);
        PolicyNode? prometheus = metrics.Child("prometheus");
        string? query = null;
        if (prometheus is not null)
        {
            var p = new ArgsReader(prometheus, args.Problems, metrics.FieldPath("prometheus"));
            query = p.String("query");
            p.RejectUnknown();
        }

        metrics.RejectUnknown();
        if (source == "KubernetesMetrics" && (metricsServer || prometheus is not null))
        {
            args.Problems.Add(metrics.FieldPath("source"), "KubernetesMetrics cannot be combined with metricsServer or a prometheus block");
        }

        if (source == "Prometheus" && string.IsNullOrWhiteSpace(query))
        {
            args.Problems.Add(metrics.FieldPath("prometheus.query"), "is required when source is Prometheus");
        }

        return source switch
        {
            "KubernetesMetrics" => (MetricsUtilizationSource.KubernetesMetrics, null),
            "Prometheus" => (MetricsUtilizationSource.Prometheus, query),
            _ when metricsServer => (MetricsUtilizationSource.KubernetesMetrics, null), // deprecated spelling
            _ => (MetricsUtilizationSource.Requested, null),
        };
    }

    private static void ValidateThresholds(ArgsReader args, ResourceThresholds? thresholds, ResourceThresholds? targets, bool deviation, MetricsUtilizationSource source)
    {
        if (thresholds is null || thresholds.Count == 0)
        {
            args.Problems.Add(args.FieldPath("thresholds"), "is required and must not be empty, e.g. {cpu: 20, memory: 20, pods: 20}");
        }

        if (targets is null || targets.Count == 0)
        {
            args.Problems.Add(args.FieldPath("targetThresholds"), "is required and must not be empty, e.g. {cpu: 50, memory: 50, pods: 50}");
        }

        if (thresholds is null || targets is null || thresholds.Count == 0 || targets.Count == 0)
        {
            return;
        }

        var low = thresholds.Resources.ToHashSet(StringComparer.Ordinal);
        var high = targets.Resources.ToHashSet(StringComparer.Ordinal);
        if (!low.SetEquals(high))
        {
            args.Problems.Add(args.FieldPath("targetThresholds"),
                $"must configure the same resources as thresholds (thresholds: {string.Join(", ", low.Order(StringComparer.Ordinal))}; targetThresholds: {string.Join(", ", high.Order(StringComparer.Ordinal))})");
            return;
        }

        if (!deviation)
        {
            foreach ((string resource, decimal value) in thresholds.Values)
            {
                if (targets[resource] is decimal target && value > target)
                {
                    args.Problems.Add(PolicyNode.ChildPath(args.FieldPath("thresholds"), resource),
                        $"{value} is greater than targetThresholds.{resource} {target}; thresholds must not exceed targetThresholds");
                }
            }
        }

        if (source == MetricsUtilizationSource.Prometheus && (thresholds.Count != 1 || thresholds[LowNodeUtilizationStrategy.MetricResource] is null))
        {
            args.Problems.Add(args.FieldPath("thresholds"), $"with a Prometheus source, thresholds and targetThresholds must have exactly one key, {LowNodeUtilizationStrategy.MetricResource} (got {string.Join(", ", thresholds.Resources)})");
        }
        else if (source != MetricsUtilizationSource.Prometheus && thresholds[LowNodeUtilizationStrategy.MetricResource] is not null)
        {
            // The descheduler accepts it and measures it as 0 everywhere: a threshold that can never trigger.
            args.Problems.Add(PolicyNode.ChildPath(args.FieldPath("thresholds"), LowNodeUtilizationStrategy.MetricResource),
                "is the value of a Prometheus query; it needs metricsUtilization: {source: Prometheus, prometheus: {query: …}}");
        }
    }
}
