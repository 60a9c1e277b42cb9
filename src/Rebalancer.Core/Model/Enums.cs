namespace Rebalancer.Core.Model;

/// <summary>Pod phase as in <c>status.phase</c>.</summary>
public enum PodPhase : byte
{
    Unknown,
    Pending,
    Running,
    Succeeded,
    Failed,
}

/// <summary>Pod QoS class, ordered as the descheduler sorts eviction candidates (BestEffort first).</summary>
public enum QosClass : byte
{
    BestEffort,
    Burstable,
    Guaranteed,
}

/// <summary>Taint effect. <see cref="Any"/> only appears on tolerations (an empty effect matches every effect).</summary>
public enum TaintEffect : byte
{
    Any,
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

public enum TolerationOperator : byte
{
    Equal,
    Exists,
}

/// <summary>Operators of label selectors and node selector requirements.</summary>
public enum SelectorOperator : byte
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

public enum UnsatisfiableConstraintAction : byte
{
    DoNotSchedule,
    ScheduleAnyway,
}

public enum NodeInclusionPolicy : byte
{
    Honor,
    Ignore,
}

public enum UnhealthyPodEvictionPolicy : byte
{
    IfHealthyBudget,
    AlwaysAllow,
}

/// <summary>Facts about a pod that the evictor and the strategies test often; one bit each.</summary>
[Flags]
public enum PodFlags : uint
{
    None = 0,
    /// <summary>Condition Ready=True.</summary>
    Ready = 1 << 0,
    /// <summary><c>metadata.deletionTimestamp</c> is set.</summary>
    Terminating = 1 << 1,
    /// <summary>Annotation <c>kubernetes.io/config.mirror</c>.</summary>
    Mirror = 1 << 2,
    /// <summary>Annotation <c>kubernetes.io/config.source</c> present and not <c>api</c>.</summary>
    Static = 1 << 3,
    EmptyDirVolume = 1 << 4,
    HostPathVolume = 1 << 5,
    PvcVolume = 1 << 6,
    /// <summary><c>spec.resourceClaims</c> is non-empty.</summary>
    ResourceClaims = 1 << 7,
    /// <summary>Annotation <c>descheduler.alpha.kubernetes.io/evict</c> (any value).</summary>
    EvictAnnotation = 1 << 8,
    /// <summary>Annotation <c>descheduler.alpha.kubernetes.io/prefer-no-eviction</c> (any value).</summary>
    PreferNoEviction = 1 << 9,
    /// <summary>Annotation <c>cluster-autoscaler.kubernetes.io/safe-to-evict: "false"</c>.</summary>
    SafeToEvictFalse = 1 << 10,
    /// <summary>Annotation <c>karpenter.sh/do-not-disrupt: "true"</c>.</summary>
    DoNotDisrupt = 1 << 11,
    /// <summary><c>spec.priority</c> is set.</summary>
    HasPriority = 1 << 12,
    /// <summary>An ownerReference of kind DaemonSet.</summary>
    DaemonSetOwned = 1 << 13,
    /// <summary>Annotation <c>cluster-autoscaler.kubernetes.io/safe-to-evict: "true"</c>.</summary>
    SafeToEvictTrue = 1 << 14,
}

[Flags]
public enum NodeFlags : byte
{
    None = 0,
    /// <summary>Condition Ready=True.</summary>
    Ready = 1 << 0,
    /// <summary><c>spec.unschedulable</c> (cordoned).</summary>
    Unschedulable = 1 << 1,
}
