using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Core.Model;

/// <summary>
/// An immutable struct-of-arrays view of a cluster: nodes and pods are int indices into columns, strings are interned
/// ids of <see cref="Strings"/>, quantities are longs at the scale of <see cref="ResourceCatalog"/>. Built once per run by
/// <see cref="SnapshotBuilder"/>; see docs/design/0002-snapshot-layout.md.
/// </summary>
public sealed class ClusterSnapshot
{
    internal ClusterSnapshot(
        StringTable strings,
        ResourceCatalog resources,
        NodeTable nodes,
        PodTable pods,
        IReadOnlyList<PdbRecord> pdbs,
        NamespaceTable namespaces,
        IReadOnlyDictionary<int, PriorityClassInfo> priorityClasses,
        ClusterInventory inventory,
        PodConstraints[] constraintSets,
        int[] nodePodStart,
        int[] nodePods)
    {
        Strings = strings;
        Resources = resources;
        Nodes = nodes;
        Pods = pods;
        Pdbs = pdbs;
        Namespaces = namespaces;
        PriorityClasses = priorityClasses;
        Inventory = inventory;
        PvcStorageClasses = StorageClassesOf(inventory);
        ConstraintSets = constraintSets;
        _nodePodStart = nodePodStart;
        _nodePods = nodePods;
    }

    /// <summary>
    /// A snapshot from finished tables (a saved snapshot being read back); the pods-by-node index is derived from
    /// <see cref="PodTable.Node"/>. The caller vouches that every id and index is in range (the compact snapshot reader
    /// validates them first).
    /// </summary>
    public static ClusterSnapshot FromTables(
        StringTable strings,
        ResourceCatalog resources,
        NodeTable nodes,
        PodTable pods,
        IReadOnlyList<PdbRecord> pdbs,
        NamespaceTable namespaces,
        IReadOnlyDictionary<int, PriorityClassInfo> priorityClasses,
        ClusterInventory inventory,
        PodConstraints[] constraintSets)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(inventory);
        (int[] start, int[] podsByNode) = IndexPodsByNode(pods.Node, nodes.Count);
        return new ClusterSnapshot(strings, resources, nodes, pods, pdbs, namespaces, priorityClasses, inventory,
            constraintSets, start, podsByNode);
    }

    private static Dictionary<(int Namespace, int Name), int> StorageClassesOf(ClusterInventory inventory)
    {
        var classes = new Dictionary<(int, int), int>(inventory.PersistentVolumeClaims.Count);
        foreach (PersistentVolumeClaimObject claim in inventory.PersistentVolumeClaims)
        {
            classes.Add((claim.Meta.Namespace, claim.Meta.Name), claim.StorageClass);
        }

        return classes;
    }

    /// <summary>The pods of each node in pod index order, in compressed-sparse-row form (pods with node -1 are left out).</summary>
    internal static (int[] Start, int[] Pods) IndexPodsByNode(int[] podNode, int nodeCount)
    {
        int[] start = new int[nodeCount + 1];
        foreach (int node in podNode)
        {
            if (node >= 0)
            {
                start[node + 1]++;
            }
        }

        for (int n = 0; n < nodeCount; n++)
        {
            start[n + 1] += start[n];
        }

        int[] pods = new int[start[nodeCount]];
        int[] fill = start[..^1];
        for (int p = 0; p < podNode.Length; p++)
        {
            if (podNode[p] >= 0)
            {
                pods[fill[podNode[p]]++] = p;
            }
        }

        return (start, pods);
    }

    private readonly int[] _nodePodStart;
    private readonly int[] _nodePods;
    private PodLabelSets? _podLabelSets;
    private WorkloadIndex? _workloads;
    private VolumeIndex? _volumes;

    /// <summary>Pods grouped by namespace and identical labels, built on first use (selector matching per set, not per pod).</summary>
    public PodLabelSets PodLabelSets => LazyInitializer.EnsureInitialized(ref _podLabelSets, () => new PodLabelSets(Pods));

    /// <summary>Pod → workload resolution (top owners through the inventory), built on first use.</summary>
    public WorkloadIndex Workloads => LazyInitializer.EnsureInitialized(ref _workloads, () => new WorkloadIndex(this));

    /// <summary>Which pods mount which PersistentVolumeClaims, and claim ↔ volume bindings, built on first use.</summary>
    public VolumeIndex Volumes => LazyInitializer.EnsureInitialized(ref _volumes, () => new VolumeIndex(this));

    public StringTable Strings { get; }

    public ResourceCatalog Resources { get; }

    public NodeTable Nodes { get; }

    public PodTable Pods { get; }

    public IReadOnlyList<PdbRecord> Pdbs { get; }

    public NamespaceTable Namespaces { get; }

    /// <summary>PriorityClasses by interned name.</summary>
    public IReadOnlyDictionary<int, PriorityClassInfo> PriorityClasses { get; }

    /// <summary>The workload and housekeeping objects (Deployments… ResourceQuotas); see <see cref="ClusterInventory"/>.</summary>
    public ClusterInventory Inventory { get; }

    /// <summary>
    /// PersistentVolumeClaims' storage class ids by (namespace id, claim name id); 0 when the claim names none. A view of
    /// <see cref="ClusterInventory.PersistentVolumeClaims"/> for the evictor's storage-class check.
    /// </summary>
    public IReadOnlyDictionary<(int Namespace, int Name), int> PvcStorageClasses { get; }

    /// <summary>Distinct scheduling constraint sets; <see cref="PodTable.Constraints"/> indexes into it.</summary>
    public PodConstraints[] ConstraintSets { get; }

    /// <summary>The pods bound to <paramref name="node"/> (every phase), in pod index order.</summary>
    public ReadOnlySpan<int> PodsOn(int node) => _nodePods.AsSpan(_nodePodStart[node], _nodePodStart[node + 1] - _nodePodStart[node]);

    public PodConstraints ConstraintsOf(int pod) => ConstraintSets[Pods.Constraints[pod]];

    /// <summary>"namespace/name" of a pod, for reports and messages.</summary>
    public string PodKey(int pod) => Strings[Pods.Namespace[pod]] + "/" + Pods.Name[pod];
}

public readonly record struct PriorityClassInfo(int Value, bool GlobalDefault);

/// <summary>Node columns.</summary>
public sealed class NodeTable
{
    private readonly Dictionary<string, int> _byName;

    public NodeTable(int resourceCount, string[] name, NodeFlags[] flags, long[] creationTime, KeyValueColumn labels,
        KeyValueColumn annotations, int[] taintStart, Taint[] taints, long[] allocatable, long[] usageCpu, long[] usageMemory,
        bool[] hasUsage)
    {
        ResourceCount = resourceCount;
        Name = name;
        Flags = flags;
        CreationTime = creationTime;
        Labels = labels;
        Annotations = annotations;
        TaintStart = taintStart;
        Taints = taints;
        Allocatable = allocatable;
        UsageCpuMilli = usageCpu;
        UsageMemory = usageMemory;
        HasUsage = hasUsage;
        _byName = new Dictionary<string, int>(name.Length, StringComparer.Ordinal);
        for (int i = 0; i < name.Length; i++)
        {
            _byName.TryAdd(name[i], i);
        }
    }

    public int Count => Name.Length;

    public int ResourceCount { get; }

    public string[] Name { get; }

    public NodeFlags[] Flags { get; }

    public long[] CreationTime { get; }

    public KeyValueColumn Labels { get; }

    public KeyValueColumn Annotations { get; }

    public int[] TaintStart { get; }

    public Taint[] Taints { get; }

    /// <summary>Allocatable per resource, row-major with stride <see cref="ResourceCount"/>.</summary>
    public long[] Allocatable { get; }

    /// <summary>Real usage from NodeMetrics (metrics.k8s.io), cpu in millicores.</summary>
    public long[] UsageCpuMilli { get; }

    public long[] UsageMemory { get; }

    public bool[] HasUsage { get; }

    public ReadOnlySpan<long> AllocatableOf(int node) => Allocatable.AsSpan(node * ResourceCount, ResourceCount);

    public ReadOnlySpan<Taint> TaintsOf(int node) => Taints.AsSpan(TaintStart[node], TaintStart[node + 1] - TaintStart[node]);

    public bool IsReady(int node) => (Flags[node] & NodeFlags.Ready) != 0;

    public bool IsUnschedulable(int node) => (Flags[node] & NodeFlags.Unschedulable) != 0;

    public int IndexOf(string name) => _byName.TryGetValue(name, out int index) ? index : -1;
}

/// <summary>Pod columns.</summary>
public sealed class PodTable
{
    public PodTable(int resourceCount) => ResourceCount = resourceCount;

    public int Count => Name.Count;

    public int ResourceCount { get; }

    public int[] Namespace { get; init; } = [];

    /// <summary>Pod names; <see cref="Utf8StringColumn.ValueEquals"/> compares without decoding.</summary>
    public Utf8StringColumn Name { get; init; } = Utf8StringColumn.Empty;

    public Utf8StringColumn Uid { get; init; } = Utf8StringColumn.Empty;

    /// <summary>Node index, or -1 when the pod is not bound or its node is not in the snapshot.</summary>
    public int[] Node { get; init; } = [];

    /// <summary><c>spec.nodeName</c> id (0 when unscheduled), kept for pods whose node is not in the snapshot.</summary>
    public int[] NodeName { get; init; } = [];

    public PodPhase[] Phase { get; init; } = [];

    public QosClass[] Qos { get; init; } = [];

    public PodFlags[] Flags { get; init; } = [];

    public int[] Priority { get; init; } = [];

    public int[] PriorityClassName { get; init; } = [];

    public int[] StatusReason { get; init; } = [];

    public long[] CreationTime { get; init; } = [];

    public long[] StartTime { get; init; } = [];

    public long[] DeletionTime { get; init; } = [];

    public KeyValueColumn Labels { get; init; } = KeyValueColumn.Empty(0);

    public KeyValueColumn Annotations { get; init; } = KeyValueColumn.Empty(0);

    public int[] OwnerStart { get; init; } = [0];

    public OwnerRef[] Owners { get; init; } = [];

    /// <summary>Images of the regular containers (init containers excluded), in spec order.</summary>
    public int[] ImageStart { get; init; } = [0];

    public int[] Images { get; init; } = [];

    /// <summary>Effective requests, row-major with stride <see cref="ResourceCount"/>; the <c>pods</c> column is 1.</summary>
    public long[] Requests { get; init; } = [];

    /// <summary>
    /// cpu (millicores) requests as kube-scheduler's scoring counts them: a container that requests no cpu counts
    /// 100m (<c>DefaultMilliCPURequest</c>), aggregated like <see cref="Requests"/> (<see cref="PodResources.NonZeroRequests"/>).
    /// </summary>
    public long[] NonZeroCpuMilli { get; init; } = [];

    /// <summary>Memory requests as the scheduler's scoring counts them: 200 MiB for a container that requests none.</summary>
    public long[] NonZeroMemory { get; init; } = [];

    public int[] Constraints { get; init; } = [];

    public int[] PvcStart { get; init; } = [0];

    public int[] PvcClaims { get; init; } = [];

    public int[] ContainerStatusStart { get; init; } = [0];

    public ContainerStatus[] ContainerStatuses { get; init; } = [];

    public int[] ConditionStart { get; init; } = [0];

    public PodCondition[] Conditions { get; init; } = [];

    /// <summary>Restarts summed over regular containers.</summary>
    public int[] Restarts { get; init; } = [];

    /// <summary>Restarts summed over init containers.</summary>
    public int[] InitRestarts { get; init; } = [];

    /// <summary>Real usage from PodMetrics (sum over containers), cpu in millicores.</summary>
    public long[] UsageCpuMilli { get; init; } = [];

    public long[] UsageMemory { get; init; } = [];

    public bool[] HasUsage { get; init; } = [];

    public ReadOnlySpan<long> RequestsOf(int pod) => Requests.AsSpan(pod * ResourceCount, ResourceCount);

    public ReadOnlySpan<OwnerRef> OwnersOf(int pod) => Owners.AsSpan(OwnerStart[pod], OwnerStart[pod + 1] - OwnerStart[pod]);

    public ReadOnlySpan<int> ImagesOf(int pod) => Images.AsSpan(ImageStart[pod], ImageStart[pod + 1] - ImageStart[pod]);

    public ReadOnlySpan<int> PvcClaimsOf(int pod) => PvcClaims.AsSpan(PvcStart[pod], PvcStart[pod + 1] - PvcStart[pod]);

    public ReadOnlySpan<ContainerStatus> ContainerStatusesOf(int pod) =>
        ContainerStatuses.AsSpan(ContainerStatusStart[pod], ContainerStatusStart[pod + 1] - ContainerStatusStart[pod]);

    public ReadOnlySpan<PodCondition> ConditionsOf(int pod) => Conditions.AsSpan(ConditionStart[pod], ConditionStart[pod + 1] - ConditionStart[pod]);

    public bool Has(int pod, PodFlags flag) => (Flags[pod] & flag) != 0;

    /// <summary>Not Succeeded or Failed: the pod holds its requests on its node.</summary>
    public bool IsActive(int pod) => Phase[pod] is not (PodPhase.Succeeded or PodPhase.Failed);

    /// <summary>The controller ownerReference (or the first owner when none is marked controller); false for bare pods.</summary>
    public bool TryGetController(int pod, out OwnerRef owner)
    {
        ReadOnlySpan<OwnerRef> owners = OwnersOf(pod);
        foreach (OwnerRef o in owners)
        {
            if (o.Controller)
            {
                owner = o;
                return true;
            }
        }

        if (owners.Length > 0)
        {
            owner = owners[0];
            return true;
        }

        owner = default;
        return false;
    }
}

/// <summary>Namespaces with their labels (for namespaceLabelSelector and affinity namespaceSelector) and annotations.</summary>
public sealed class NamespaceTable
{
    private readonly Dictionary<int, int> _byName;

    public NamespaceTable(int[] name, KeyValueColumn labels, KeyValueColumn? annotations = null)
    {
        Name = name;
        Labels = labels;
        Annotations = annotations ?? KeyValueColumn.Empty(name.Length);
        _byName = new Dictionary<int, int>(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            _byName.TryAdd(name[i], i);
        }
    }

    public int Count => Name.Length;

    public int[] Name { get; }

    public KeyValueColumn Labels { get; }

    /// <summary>Annotations, without <c>kubectl.kubernetes.io/last-applied-configuration</c>.</summary>
    public KeyValueColumn Annotations { get; }

    /// <summary>The row of a namespace (by interned name), or -1 when the snapshot has no Namespace object for it.</summary>
    public int IndexOf(int name) => _byName.TryGetValue(name, out int index) ? index : -1;
}
