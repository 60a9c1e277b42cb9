namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// A node pool of the synthetic cluster: one instance size (possibly several instance types of that size, as a Karpenter
/// NodePool offers), a share of the cluster's nodes and how its nodes are provisioned.
/// </summary>
public sealed record SyntheticNodePool
{
    public required string Name { get; init; }

    /// <summary>Instance types of this size; each node picks one.</summary>
    public required IReadOnlyList<string> InstanceTypes { get; init; }

    public required int Cpu { get; init; }

    public required int MemoryGi { get; init; }

    /// <summary><c>nvidia.com/gpu</c> devices per node.</summary>
    public int Gpus { get; init; }

    /// <summary>Relative share of the cluster's nodes.</summary>
    public double Weight { get; init; } = 1;

    public string Arch { get; init; } = "amd64";

    public int MaxPods { get; init; } = 110;

    /// <summary>
    /// True for an EKS managed node group (labels <c>eks.amazonaws.com/capacityType: SPOT|ON_DEMAND</c> and
    /// <c>eks.amazonaws.com/nodegroup</c>); false for a Karpenter NodePool (<c>karpenter.sh/capacity-type: spot|on-demand</c>).
    /// </summary>
    public bool ManagedNodeGroup { get; init; }

    /// <summary>Forces every node of the pool to spot (true) or on-demand (false); null draws each node with <see cref="SyntheticClusterOptions.SpotFraction"/>.</summary>
    public bool? Spot { get; init; }

    /// <summary>
    /// A NoSchedule taint <c>key=value</c> on every node of the pool, in addition to the ones
    /// <see cref="SyntheticClusterOptions.TaintedPoolFraction"/> adds; null for none.
    /// </summary>
    public string? Taint { get; init; }

    /// <summary>general 16 cpu/64Gi, memory 8/64Gi, compute (arm64) 32/64Gi, gpu 16/64Gi with one nvidia.com/gpu.</summary>
    public static IReadOnlyList<SyntheticNodePool> Defaults { get; } =
    [
        new() { Name = "general", InstanceTypes = ["m6i.4xlarge", "m5.4xlarge", "m6a.4xlarge"], Cpu = 16, MemoryGi = 64, Weight = 0.5 },
        new() { Name = "memory", InstanceTypes = ["r6i.2xlarge", "r5.2xlarge"], Cpu = 8, MemoryGi = 64, Weight = 0.2, ManagedNodeGroup = true },
        new() { Name = "compute", InstanceTypes = ["c7g.8xlarge", "c6g.8xlarge"], Cpu = 32, MemoryGi = 64, Weight = 0.2, Arch = "arm64", MaxPods = 234 },
        new() { Name = "gpu", InstanceTypes = ["g5.4xlarge"], Cpu = 16, MemoryGi = 64, Gpus = 1, Weight = 0.1, MaxPods = 58 },
    ];
}

/// <summary>
/// Options of <see cref="SyntheticClusterGenerator"/>. Every random choice is drawn from <c>new Random(Seed)</c>-derived
/// generators, so a seed and an options record name one file, byte for byte.
/// </summary>
public sealed record SyntheticClusterOptions
{
    /// <summary>Number of Node objects.</summary>
    public int Nodes { get; init; } = 100;

    /// <summary>Total number of Pod objects, DaemonSet, system-critical and bare pods included.</summary>
    public int Pods { get; init; } = 3_000;

    public int Seed { get; init; } = 1;

    /// <summary>Availability zones: <c>{Region}a</c>, <c>{Region}b</c>…; nodes are spread evenly.</summary>
    public int Zones { get; init; } = 3;

    public string Region { get; init; } = "eu-west-1";

    /// <summary>Share of nodes that are spot capacity (for pools that do not force it).</summary>
    public double SpotFraction { get; init; } = 0.4;

    public IReadOnlyList<SyntheticNodePool> Pools { get; init; } = SyntheticNodePool.Defaults;

    /// <summary>Share of Deployments (with 2+ replicas) whose replicas are placed 2–4 on one node.</summary>
    public double DuplicateFraction { get; init; } = 0.1;

    /// <summary>Share of Deployments covered by a policy/v1 PodDisruptionBudget.</summary>
    public double PdbFraction { get; init; } = 0.3;

    /// <summary>DaemonSets, each with one pod on every node (they tolerate every taint).</summary>
    public int DaemonSets { get; init; } = 3;

    /// <summary>Share of application workloads that are StatefulSets (the rest are Deployments).</summary>
    public double StatefulSetFraction { get; init; } = 0.1;

    /// <summary>Pods of kube-system Deployments with <c>priorityClassName: system-cluster-critical</c> (coredns, karpenter…).</summary>
    public int SystemCriticalPods { get; init; } = 10;

    /// <summary>Pods without an owner.</summary>
    public int BarePods { get; init; } = 2;

    /// <summary>
    /// Share of the pools (the last ones in <see cref="Pools"/>) that carry a NoSchedule taint; some workloads tolerate it
    /// and select the pool with a nodeSelector or required node affinity.
    /// </summary>
    public double TaintedPoolFraction { get; init; } = 0.25;

    /// <summary>Share of workloads with pod anti-affinity on <c>kubernetes.io/hostname</c> (required when it can be met, else preferred).</summary>
    public double AntiAffinityFraction { get; init; } = 0.1;

    /// <summary>Share of workloads with a zone topologySpreadConstraint (maxSkew 1); placement honours it.</summary>
    public double TopologySpreadFraction { get; init; } = 0.15;

    /// <summary>Share of workloads with an emptyDir volume.</summary>
    public double EmptyDirFraction { get; init; } = 0.2;

    /// <summary>Share of workloads annotated <c>cluster-autoscaler.kubernetes.io/safe-to-evict: "false"</c> (and as many with <c>karpenter.sh/do-not-disrupt</c>).</summary>
    public double ProtectedFraction { get; init; } = 0.01;

    /// <summary>Nodes that are cordoned (<c>spec.unschedulable</c>) but still run their pods.</summary>
    public int CordonedNodes { get; init; }

    /// <summary>Share of nodes packed to ~95% of allocatable cpu with high usage (and as many left nearly empty).</summary>
    public double HotNodeFraction { get; init; } = 0.02;

    /// <summary>Target share of allocatable cpu requested on ordinary nodes when the pods allow it.</summary>
    public double FillTarget { get; init; } = 0.6;

    /// <summary>
    /// Append a NodeMetricsList and a PodMetricsList document (metrics.k8s.io/v1beta1, compact, as
    /// <c>kubectl get --raw</c> prints them) after the List; usage stays below requests, cpu in nanocores.
    /// </summary>
    public bool IncludeMetrics { get; init; } = true;

    /// <summary>
    /// Write what a real API server returns: env, probes, volumeMounts, the projected service-account volume, all status
    /// conditions, full containerStatuses, node images… (about 4 KB per pod pretty-printed). False writes only what
    /// scheduling and eviction read. The cluster (names, placement, requests, uids) is the same either way.
    /// </summary>
    public bool Realism { get; init; } = true;

    /// <summary>
    /// With <see cref="Realism"/>, also write <c>metadata.managedFields</c>, as <c>kubectl get --show-managed-fields</c>
    /// and API dumps do (kubectl 1.21+ hides them by default). They roughly triple a pretty-printed pod, so they are off
    /// by default; turn them on for the loader's worst case.
    /// </summary>
    public bool ManagedFields { get; init; }

    /// <summary>
    /// Pretty-print as <c>kubectl get -o json</c> does (<see cref="IndentSize"/> spaces). Off by default: the content is
    /// the same, but indentation at the depth of a pod spec nearly triples the file (~13 KB instead of ~4.5 KB a pod),
    /// and compact files keep benchmarks about the JSON rather than the whitespace.
    /// </summary>
    public bool Indented { get; init; }

    /// <summary>Spaces per level when <see cref="Indented"/>; kubectl uses 4.</summary>
    public int IndentSize { get; init; } = 4;

    /// <summary>The instant of the snapshot; every timestamp is derived from it.</summary>
    public DateTimeOffset Now { get; init; } = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);
}
