using Rebalancer.Core.Evictor;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Policy;

/// <summary>
/// A bound and validated <c>descheduler/v1alpha2</c> <c>DeschedulerPolicy</c> (descheduler-semantics §4), with the
/// defaults applied: every profile has its DefaultEvictor settings and its plugins in run order with bound args.
/// Built by <see cref="PolicyBinder.Bind"/>.
/// </summary>
public sealed record DeschedulerPolicy
{
    /// <summary>The only policy API version the descheduler still reads (v1alpha1 was removed in v0.31).</summary>
    public const string ApiVersion = "descheduler/v1alpha2";

    public const string Kind = "DeschedulerPolicy";

    /// <summary>The global <c>nodeSelector</c>: restricts the nodes given to every plugin; null = all nodes.</summary>
    public LabelSelectorSpec? NodeSelector { get; init; }

    /// <summary><c>maxNoOfPodsToEvictPerNode</c>, per cycle over all profiles; null = unlimited.</summary>
    public uint? MaxPodsToEvictPerNode { get; init; }

    /// <summary><c>maxNoOfPodsToEvictPerNamespace</c>, per cycle over all profiles; null = unlimited.</summary>
    public uint? MaxPodsToEvictPerNamespace { get; init; }

    /// <summary><c>maxNoOfPodsToEvictTotal</c>, per cycle over all profiles; null = unlimited.</summary>
    public uint? MaxPodsToEvictTotal { get; init; }

    /// <summary><c>gracePeriodSeconds</c> for the eviction's DeleteOptions; null = the pod's own grace period.</summary>
    public long? GracePeriodSeconds { get; init; }

    /// <summary><c>evictionFailureEventNotification</c>: record a Warning event on a pod whose eviction failed.</summary>
    public bool EvictionFailureEventNotification { get; init; }

    public IReadOnlyList<MetricsProviderConfig> MetricsProviders { get; init; } = [];

    /// <summary>True when metrics-server usage is available: a <c>KubernetesMetrics</c> provider or the deprecated <c>metricsCollector.enabled</c>.</summary>
    public bool KubernetesMetricsEnabled { get; init; }

    /// <summary>
    /// The kube-scheduler scoring the projection assumes: the top-level <c>scheduler:</c> section, Rebalancer's extension
    /// of the file (docs/policy.md); kube-scheduler's default profile when absent.
    /// </summary>
    public SchedulerProfile Scheduler { get; init; } = SchedulerProfile.Default;

    /// <summary>The <c>usageHistory</c> extension block: history window, metric and label names, Prometheus client settings.</summary>
    public UsageHistorySettings UsageHistory { get; init; } = UsageHistorySettings.Default;

    /// <summary>The profiles in file order. All Deschedule plugins of all profiles run before any Balance plugin.</summary>
    public IReadOnlyList<ProfileConfig> Profiles { get; init; } = [];

    /// <summary>
    /// Things that are valid but probably not what the author meant (a pluginConfig no extension point enables, a
    /// deprecated field, a <c>disabled</c> list that does nothing). They do not stop a run; callers should show them.
    /// </summary>
    public IReadOnlyList<ConfigProblem> Warnings { get; init; } = [];

    /// <summary>The Prometheus provider, when one is configured.</summary>
    public PrometheusProviderConfig? Prometheus =>
        MetricsProviders.FirstOrDefault(p => p.Source == MetricsSource.Prometheus)?.Prometheus;
}

/// <summary>One profile: its evictor and the plugins of each extension point, in the order of <c>plugins.&lt;point&gt;.enabled</c>.</summary>
public sealed record ProfileConfig(string Name, DefaultEvictorSettings Evictor, IReadOnlyList<PluginConfig> Deschedule, IReadOnlyList<PluginConfig> Balance);

/// <summary>
/// An enabled plugin with its bound settings (the object <see cref="StrategyEntry.Bind"/> returned).
/// <paramref name="Path"/> is where its args came from: its <c>pluginConfig</c> entry, or, when it has none, the
/// enabled-list item (its args are then the defaults).
/// </summary>
public sealed record PluginConfig(string Name, StrategyEntry Entry, object Settings, string Path);

public enum MetricsSource
{
    /// <summary>metrics-server (<c>metrics.k8s.io</c>).</summary>
    KubernetesMetrics,

    Prometheus,
}

/// <summary>One <c>metricsProviders[]</c> entry; <paramref name="Prometheus"/> is set for the Prometheus source only.</summary>
public sealed record MetricsProviderConfig(MetricsSource Source, PrometheusProviderConfig? Prometheus);

/// <summary>
/// <c>metricsProviders[].prometheus</c>. Without <paramref name="AuthTokenSecret"/>, the in-cluster service account
/// token is used; with it, the token is read from the secret's <c>prometheusAuthToken</c> key.
/// </summary>
public sealed record PrometheusProviderConfig(Uri Url, SecretReference? AuthTokenSecret);

/// <summary><c>authToken.secretReference</c>.</summary>
public sealed record SecretReference(string Namespace, string Name);
