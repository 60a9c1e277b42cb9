using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Evictor;

/// <summary>Pod protections of the DefaultEvictor (descheduler podProtections, plus Rebalancer's annotation protections).</summary>
[Flags]
public enum PodProtections
{
    None = 0,

    // On by default (podProtections.defaultDisabled can turn them off).
    PodsWithLocalStorage = 1 << 0,
    DaemonSetPods = 1 << 1,
    SystemCriticalPods = 1 << 2,
    FailedBarePods = 1 << 3,

    /// <summary>Rebalancer: pods annotated <c>cluster-autoscaler.kubernetes.io/safe-to-evict: "false"</c>.</summary>
    SafeToEvictAnnotation = 1 << 4,

    /// <summary>Rebalancer: pods annotated <c>karpenter.sh/do-not-disrupt: "true"</c>.</summary>
    DoNotDisruptAnnotation = 1 << 5,

    // Off by default (podProtections.extraEnabled turns them on).
    PodsWithPVC = 1 << 8,
    PodsWithoutPDB = 1 << 9,
    PodsWithResourceClaims = 1 << 10,

    Defaults = PodsWithLocalStorage | DaemonSetPods | SystemCriticalPods | FailedBarePods | SafeToEvictAnnotation | DoNotDisruptAnnotation,
}

public enum NoEvictionPolicy
{
    /// <summary>The prefer-no-eviction annotation only sorts such pods last (also the meaning of an empty value).</summary>
    Preferred,

    /// <summary>Pods with the prefer-no-eviction annotation are never evicted.</summary>
    Mandatory,
}

/// <summary>
/// DefaultEvictor args (descheduler-semantics §2.2). Defaults are the descheduler's zero values, plus Rebalancer's two
/// annotation protections on by default.
/// </summary>
public sealed record DefaultEvictorSettings
{
    public static readonly DefaultEvictorSettings Default = new();

    /// <summary>Label selector (string form) restricting the nodes nodeFit may use; null = all ready nodes.</summary>
    public LabelSelectorSpec? NodeSelector { get; init; }

    public LabelSelectorSpec? LabelSelector { get; init; }

    public LabelSelectorSpec? NamespaceLabelSelector { get; init; }

    /// <summary><c>priorityThreshold.value</c>; a pod is evictable only when its priority is below the threshold.</summary>
    public int? PriorityThresholdValue { get; init; }

    /// <summary><c>priorityThreshold.name</c>: a PriorityClass name resolved against the snapshot when planning.</summary>
    public string? PriorityThresholdName { get; init; }

    public bool NodeFit { get; init; }

    public uint MinReplicas { get; init; }

    public TimeSpan? MinPodAge { get; init; }

    public NoEvictionPolicy NoEvictionPolicy { get; init; } = NoEvictionPolicy.Preferred;

    public PodProtections Protections { get; init; } = PodProtections.Defaults;

    /// <summary>With PodsWithPVC: protect only claims of these storage classes (empty = every PVC).</summary>
    public IReadOnlyList<string> ProtectedStorageClasses { get; init; } = [];

    public bool Protects(PodProtections protection) => (Protections & protection) != 0;
}
