namespace Rebalancer.Testing.Synthetic;

// The compact plan of a synthetic cluster: small per-pod slots and per-workload templates. The JSON is produced from it
// while streaming (KubectlJsonWriter); no object graph of the whole cluster is ever built.

/// <summary>Resource dimensions of the placement arithmetic.</summary>
internal static class Dim
{
    public const int Cpu = 0; // millicores
    public const int Memory = 1; // bytes
    public const int Pods = 2;
    public const int Gpu = 3;
    public const int Ephemeral = 4; // bytes
    public const int Count = 5;
}

internal enum NodeHeat : byte
{
    Normal,
    Hot,
    Cold,
}

internal sealed class NodeSpec
{
    public required string Name { get; init; }

    public required string Ip { get; init; }

    public required int Zone { get; init; }

    public required int Pool { get; init; }

    public required string InstanceType { get; init; }

    public required bool Spot { get; init; }

    public required long CreatedUnix { get; init; }

    public required string InstanceId { get; init; }

    public required string Uid { get; init; }

    public bool Cordoned { get; set; }

    public NodeHeat Heat { get; set; }

    /// <summary>Capacity in <see cref="Dim"/> units (memory already net of what the hypervisor hides).</summary>
    public long[] Capacity { get; } = new long[Dim.Count];

    public long[] Allocatable { get; } = new long[Dim.Count];

    public long[] Used { get; } = new long[Dim.Count];

    public bool Fits(ReadOnlySpan<long> requests)
    {
        for (int d = 0; d < Dim.Count; d++)
        {
            if (Used[d] + requests[d] > Allocatable[d])
            {
                return false;
            }
        }

        return true;
    }

    public void Add(ReadOnlySpan<long> requests)
    {
        for (int d = 0; d < Dim.Count; d++)
        {
            Used[d] += requests[d];
        }
    }
}

internal enum ContainerRole : byte
{
    Regular,
    Init,

    /// <summary>An init container with <c>restartPolicy: Always</c>.</summary>
    Sidecar,
}

internal sealed record ContainerSpec
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    public ContainerRole Role { get; init; }

    public long CpuMilli { get; init; }

    public long MemoryBytes { get; init; }

    /// <summary>0 = no limit.</summary>
    public long CpuLimitMilli { get; init; }

    public long MemoryLimitBytes { get; init; }

    public long Gpus { get; init; }

    public long EphemeralBytes { get; init; }

    /// <summary>0 = no port.</summary>
    public int Port { get; init; }

    public bool HasResources => CpuMilli > 0 || MemoryBytes > 0 || CpuLimitMilli > 0 || MemoryLimitBytes > 0 || Gpus > 0 || EphemeralBytes > 0;
}

internal enum WorkloadKind : byte
{
    Deployment,
    StatefulSet,
    DaemonSet,
    Bare,

    /// <summary>A batch/v1 Job (owned by <see cref="WorkloadSpec.CronJob"/> when set); its pods run to completion.</summary>
    Job,
}

internal enum AntiAffinity : byte
{
    None,
    Required,
    Preferred,
}

internal enum PodState : byte
{
    Running,

    /// <summary>Running, not ready, container waiting in CrashLoopBackOff.</summary>
    CrashLoop,

    /// <summary>Not bound to a node.</summary>
    Pending,
    Succeeded,
    Failed,
}

internal sealed class PdbSpec
{
    public required string Name { get; init; }

    public bool MinAvailable { get; init; }

    public int Value { get; init; }

    public bool Percent { get; init; }

    /// <summary>Selector as matchExpressions (In) instead of matchLabels.</summary>
    public bool Expressions { get; init; }

    public bool AlwaysAllow { get; init; }

    public int Generation { get; init; } = 1;

    public int CurrentHealthy { get; set; }

    public int DesiredHealthy { get; set; }

    public int ExpectedPods { get; set; }

    public int DisruptionsAllowed { get; set; }

    public string Uid { get; set; } = string.Empty;

    public string Describe() => $"{(MinAvailable ? "minAvailable" : "maxUnavailable")}={Value}{(Percent ? "%" : string.Empty)}";
}

internal sealed class WorkloadSpec
{
    public required WorkloadKind Kind { get; init; }

    public required int Namespace { get; init; }

    /// <summary>The Deployment / StatefulSet / DaemonSet name (the bare pod's name for bare pods).</summary>
    public required string Name { get; init; }

    public required int Replicas { get; set; }

    public List<ContainerSpec> Containers { get; } = [];

    /// <summary>ReplicaSet pod-template-hash or StatefulSet/DaemonSet controller-revision-hash suffix.</summary>
    public string TemplateHash { get; set; } = string.Empty;

    public string OwnerUid { get; set; } = string.Empty;

    /// <summary>Pool the workload must run in (nodeSelector or required node affinity); -1 for any untainted node.</summary>
    public int Pool { get; set; } = -1;

    /// <summary>Select the pool with required node affinity instead of a nodeSelector.</summary>
    public bool PoolViaAffinity { get; set; }

    /// <summary>Tolerate every taint (DaemonSets) — runs on every node.</summary>
    public bool TolerateAll { get; set; }

    /// <summary>Tolerate the CriticalAddonsOnly taint (kube-system add-ons).</summary>
    public bool TolerateCriticalAddons { get; set; }

    public AntiAffinity AntiAffinity { get; set; }

    public bool ZoneSpread { get; set; }

    /// <summary>How many replicas are placed together on one node (0/1 = spread).</summary>
    public int CoLocate { get; set; }

    /// <summary>Explicit node for the co-located group (demo); -1 lets the placer choose.</summary>
    public int CoLocateNode { get; set; } = -1;

    /// <summary>Preferred nodes (demo): tried first, in order, before the ordinary choice.</summary>
    public int[] PreferNodes { get; set; } = [];

    public bool EmptyDir { get; set; }

    public bool HostPath { get; set; }

    public bool Pvc { get; set; }

    public bool HostNetwork { get; set; }

    public string? PriorityClass { get; set; }

    public int Priority { get; set; }

    public bool SafeToEvictFalse { get; set; }

    public bool DoNotDisrupt { get; set; }

    /// <summary>Istio sidecar injected (istio-init + istio-proxy).</summary>
    public bool Mesh { get; set; }

    public PdbSpec? Pdb { get; set; }

    /// <summary>Bits that pick realism details (env, probes…), fixed per workload as a pod template is.</summary>
    public int Flavor { get; set; }

    public string ServiceAccount { get; set; } = "default";

    public string Version { get; set; } = "1.0.0";

    /// <summary>Age of the workload's current template, seconds before the snapshot.</summary>
    public int AgeSeconds { get; set; }

    /// <summary>For the demo: pods of this workload that are in CrashLoopBackOff (by ordinal).</summary>
    public int CrashLoopPods { get; set; }

    /// <summary>The pods' state for bare pods and Jobs (Succeeded, Failed…).</summary>
    public PodState BareState { get; set; } = PodState.Running;

    /// <summary>A Job's CronJob (name of a <see cref="CronJobSpec"/>); null for a Job created by hand.</summary>
    public string? CronJob { get; set; }

    /// <summary>A Job's <c>spec.ttlSecondsAfterFinished</c>.</summary>
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>How long a Job ran, seconds, from its start to its Complete or Failed condition.</summary>
    public int RunSeconds { get; set; } = 60;

    /// <summary>Old ReplicaSets (revision history, scaled to zero) a Deployment keeps besides its current one.</summary>
    public int OldRevisions { get; set; }

    /// <summary>Size of each StatefulSet pod's PersistentVolumeClaim (<c>data-&lt;pod&gt;</c>), GiB.</summary>
    public int StorageGi { get; set; } = 20;

    /// <summary>Bare pods and Jobs: restartPolicy Never, no probes, a state of their own.</summary>
    public bool RunsToCompletion => Kind is WorkloadKind.Bare or WorkloadKind.Job;

    // Computed by ClusterModel.Seal.
    public long[] Requests { get; } = new long[Dim.Count];

    public string QosClass { get; set; } = "BestEffort";

    public string OwnerName => Kind == WorkloadKind.Deployment ? Name + "-" + TemplateHash : Name;

    public string OwnerKind => Kind switch
    {
        WorkloadKind.Deployment => "ReplicaSet",
        WorkloadKind.StatefulSet => "StatefulSet",
        WorkloadKind.DaemonSet => "DaemonSet",
        WorkloadKind.Job => "Job",
        _ => string.Empty,
    };
}

/// <summary>One pod: which workload, which replica, where, how it is doing.</summary>
internal struct PodSlot
{
    public int Workload;
    public int Ordinal;
    public int Node;
    public string Name;
    public PodState State;
    public int Restarts;
    public int AgeSeconds;
}

internal sealed class NamespaceSpec
{
    public required string Name { get; init; }

    public List<(string Key, string Value)> Labels { get; } = [];

    public bool Mesh { get; set; }

    public int AgeSeconds { get; set; }

    public string Uid { get; set; } = string.Empty;
}

internal sealed record PriorityClassSpec(string Name, int Value, bool GlobalDefault, string Description);

/// <summary>A batch/v1 CronJob; its Jobs are <see cref="WorkloadKind.Job"/> workloads naming it.</summary>
internal sealed class CronJobSpec
{
    public required int Namespace { get; init; }

    public required string Name { get; init; }

    public required string Schedule { get; init; }

    public bool Suspend { get; init; }

    public int? SuccessfulJobsHistoryLimit { get; init; }

    /// <summary>The jobTemplate's ttlSecondsAfterFinished: its Jobs are deleted that long after they finish.</summary>
    public int? JobTtlSecondsAfterFinished { get; init; }

    public int AgeSeconds { get; init; }

    /// <summary>Seconds before the snapshot of the last scheduled run; null when it never ran.</summary>
    public int? LastScheduleAgo { get; init; }

    public required ContainerSpec Container { get; init; }

    public string Uid { get; set; } = string.Empty;
}

/// <summary>An autoscaling/v2 HPA over a Deployment or StatefulSet workload.</summary>
internal sealed record HpaSpec(int Workload, int MinReplicas, int MaxReplicas, int CpuUtilization, long MemoryAverageBytes = 0, string? Container = null);

/// <summary>A claim and its volume beyond the StatefulSets' own (leftovers for the findings).</summary>
internal sealed record ExtraVolumeSpec(int Namespace, string Claim, int SizeGi, bool ClaimExists, string PhaseOfVolume, int PhaseAgeSeconds, string ReclaimPolicy);

/// <summary>The inventory beyond what the workloads imply: CronJobs, HPAs, LimitRanges, ResourceQuotas, extra volumes.</summary>
internal sealed class InventorySpec
{
    public List<CronJobSpec> CronJobs { get; } = [];

    public List<HpaSpec> Hpas { get; } = [];

    /// <summary>Namespaces with a LimitRange <c>defaults</c> (container default and default request).</summary>
    public List<int> LimitRanges { get; } = [];

    /// <summary>Namespaces with a ResourceQuota <c>compute</c>; its hard limits are this multiple of what the namespace requests.</summary>
    public List<(int Namespace, double Headroom)> Quotas { get; } = [];

    public List<ExtraVolumeSpec> Volumes { get; } = [];
}

/// <summary>The whole plan, ready for <see cref="KubectlJsonWriter"/>.</summary>
internal sealed class ClusterModel
{
    public required SyntheticClusterOptions Options { get; init; }

    public required IReadOnlyList<SyntheticNodePool> Pools { get; init; }

    /// <summary>Taint (key, value) per pool; null when untainted.</summary>
    public required (string Key, string Value)?[] PoolTaints { get; init; }

    public required string[] ZoneNames { get; init; }

    public List<NodeSpec> Nodes { get; } = [];

    public List<NamespaceSpec> Namespaces { get; } = [];

    public List<PriorityClassSpec> PriorityClasses { get; } = [];

    public List<WorkloadSpec> Workloads { get; } = [];

    public InventorySpec Inventory { get; } = new();

    public PodSlot[] Pods { get; set; } = [];

    public int PodCount { get; set; }

    /// <summary>Pod indices in output order (namespace, then name).</summary>
    public int[] PodOrder { get; set; } = [];

    /// <summary>Namespace indices in output order (by name).</summary>
    public int[] NamespaceOrder { get; set; } = [];

    /// <summary>Workloads with a PDB, in output order.</summary>
    public int[] PdbOrder { get; set; } = [];

    public long NowUnix => Options.Now.ToUnixTimeSeconds();
}
