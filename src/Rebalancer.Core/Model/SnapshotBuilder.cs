using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Core.Model;

/// <summary>
/// Appends nodes, pods, PDBs and the rest in any order (a kubectl List may hold them in any order), then
/// <see cref="Build"/> resolves names to indices, computes the CSR pod-by-node index and freezes the columns.
/// Used by the snapshot loader, the live-cluster reader and the test builders alike.
/// <para>
/// Every Add applies <see cref="SnapshotRules"/> to its object before keeping it (no negative amount, no duplicate,
/// totals within <see cref="SnapshotRules.MaxTotal"/>) and throws <see cref="SnapshotValueException"/> naming the
/// field, so a loader can report the object where it is in its file; a builder that threw is not used further.
/// </para>
/// </summary>
public sealed class SnapshotBuilder
{
    private const int ExpectedResources = 8;

    // Nodes.
    private GrowableArray<string> _nodeName = new();
    private GrowableArray<NodeFlags> _nodeFlags = new();
    private GrowableArray<long> _nodeCreation = new();
    private KeyValueBuilder _nodeLabels = new();
    private KeyValueBuilder _nodeAnnotations = new();
    private GrowableArray<int> _taintStart = new();
    private GrowableArray<Taint> _taints = new();
    private GrowableArray<ResourceAmount> _allocatable = new();
    private GrowableArray<int> _allocatableStart = new();

    // Pods.
    private GrowableArray<int> _podNamespace = new();
    private GrowableArray<string> _podName = new();
    private GrowableArray<string> _podUid = new();
    private GrowableArray<int> _podNodeName = new();
    private GrowableArray<PodPhase> _podPhase = new();
    private GrowableArray<QosClass> _podQos = new();
    private GrowableArray<PodFlags> _podFlags = new();
    private GrowableArray<int> _podPriority = new();
    private GrowableArray<int> _podPriorityClass = new();
    private GrowableArray<int> _podStatusReason = new();
    private GrowableArray<long> _podCreation = new();
    private GrowableArray<long> _podStart = new();
    private GrowableArray<long> _podDeletion = new();
    private KeyValueBuilder _podLabels = new();
    private KeyValueBuilder _podAnnotations = new();
    private GrowableArray<int> _ownerStart = new();
    private GrowableArray<OwnerRef> _owners = new();
    private GrowableArray<int> _imageStart = new();
    private GrowableArray<int> _images = new();
    private GrowableArray<int> _requestStart = new();
    private GrowableArray<ResourceAmount> _requests = new();
    private GrowableArray<long> _nonZeroCpu = new();
    private GrowableArray<long> _nonZeroMemory = new();
    private GrowableArray<int> _podConstraints = new();
    private GrowableArray<int> _pvcStart = new();
    private GrowableArray<int> _pvcClaims = new();
    private GrowableArray<int> _statusStart = new();
    private GrowableArray<ContainerStatus> _statuses = new();
    private GrowableArray<int> _conditionStart = new();
    private GrowableArray<PodCondition> _conditions = new();
    private GrowableArray<int> _restarts = new();
    private GrowableArray<int> _initRestarts = new();

    private readonly Dictionary<PodConstraints, int> _constraintIds = [];
    private readonly List<PodConstraints> _constraintSets = [];
    private readonly List<PdbRecord> _pdbs = [];
    private GrowableArray<int> _namespaceName = new();
    private KeyValueBuilder _namespaceLabels = new();
    private KeyValueBuilder _namespaceAnnotations = new();
    private readonly Dictionary<int, PriorityClassInfo> _priorityClasses = [];
    private readonly Dictionary<string, (long Cpu, long Memory)> _nodeMetrics = new(StringComparer.Ordinal);
    private readonly Dictionary<(int, string), (long Cpu, long Memory)> _podMetrics = [];
    private long[] _scratch = new long[ExpectedResources];
    private bool _built;

    // What the rules need: identities seen so far and running totals.
    private readonly Dictionary<string, int> _nodeIndex = new(StringComparer.Ordinal);
    private RowSet _podKeys = new();
    private RowSet _podUids = new();
    private readonly HashSet<(int Namespace, string Name)> _pdbNames = [];
    private readonly HashSet<int> _namespaceNames = [];
    private readonly ResourceTotals _requestTotals = new("pods' requests");
    private readonly ResourceTotals _allocatableTotals = new("nodes' allocatable amounts");
    private UsageTotals _nodeUsageTotals;
    private UsageTotals _podUsageTotals;
    private UsageTotals _nonZeroTotals;

    public SnapshotBuilder()
    {
        _taintStart.Add(0);
        _allocatableStart.Add(0);
        _ownerStart.Add(0);
        _imageStart.Add(0);
        _requestStart.Add(0);
        _pvcStart.Add(0);
        _statusStart.Add(0);
        _conditionStart.Add(0);
        InternConstraints(PodConstraints.None);
        Inventory = new InventoryBuilder(Strings, Resources);
    }

    public StringTable Strings { get; } = new();

    /// <summary>The workload and housekeeping objects (Deployments… ResourceQuotas), sorted at <see cref="Build"/>.</summary>
    public InventoryBuilder Inventory { get; }

    public ResourceCatalog Resources { get; } = new();

    public int NodeCount => _nodeName.Count;

    public int PodCount => _podName.Count;

    public int PdbCount => _pdbs.Count;

    /// <summary>Returns the shared instance equal to <paramref name="constraints"/>, so equal sets get one id.</summary>
    public int InternConstraints(PodConstraints constraints)
    {
        if (_constraintIds.TryGetValue(constraints, out int id))
        {
            return id;
        }

        id = _constraintSets.Count;
        _constraintSets.Add(constraints);
        _constraintIds.Add(constraints, id);
        return id;
    }

    /// <exception cref="SnapshotValueException">The node breaks a rule of <see cref="SnapshotRules"/>.</exception>
    public int AddNode(NodeRecord node)
    {
        ArgumentNullException.ThrowIfNull(node);
        int index = _nodeName.Count;
        SnapshotRules.CheckName(node.Name, "metadata.name");
        SnapshotRules.CheckAmounts(Resources, node.Allocatable, "status.allocatable");
        SnapshotRules.CheckAmounts(Resources, node.Capacity, "status.capacity");
        bool fromCapacity = node.Allocatable.Count == 0;
        _allocatableTotals.Add(Resources, fromCapacity ? node.Capacity : node.Allocatable, fromCapacity ? "status.capacity" : "status.allocatable");
        if (!_nodeIndex.TryAdd(node.Name, index))
        {
            throw Duplicate("node", node.Name);
        }

        _nodeName.Add(node.Name);
        _nodeFlags.Add(node.Flags);
        _nodeCreation.Add(node.CreationTime);
        _nodeLabels.Add(node.Labels);
        _nodeAnnotations.Add(node.Annotations);
        foreach (Taint taint in node.Taints)
        {
            _taints.Add(taint);
        }

        _taintStart.Add(_taints.Count);
        foreach (ResourceAmount amount in node.Allocatable.Count > 0 ? node.Allocatable : node.Capacity)
        {
            _allocatable.Add(amount);
        }

        _allocatableStart.Add(_allocatable.Count);
        return index;
    }

    /// <exception cref="SnapshotValueException">The pod breaks a rule of <see cref="SnapshotRules"/>; nothing of it is kept.</exception>
    public int AddPod(PodRecord pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        int index = _podName.Count;

        // Every rule is checked before a column changes.
        CheckPod(pod);
        if (_scratch.Length < Resources.Count)
        {
            _scratch = new long[Resources.Count * 2];
        }

        Span<long> requests = _scratch.AsSpan(0, Resources.Count);
        long nonZeroCpu, nonZeroMemory;
        try
        {
            PodResources.EffectiveRequests(pod.Containers, pod.Overhead, requests);
            (nonZeroCpu, nonZeroMemory) = PodResources.NonZeroRequests(pod.Containers, pod.Overhead);
        }
        catch (OverflowException)
        {
            throw new SnapshotValueException("spec", "its containers' requests (with overhead) add up to more than 9223372036854775807 in one resource");
        }

        requests[ResourceCatalog.Pods] = 0;
        QosClass qos = Qos(pod);
        (int restarts, int initRestarts) = Restarts(pod);
        CheckIdentity(pod);
        _requestTotals.Add(Resources, requests, "spec");
        _nonZeroTotals.Add(nonZeroCpu, nonZeroMemory, Resources, "pods' scoring requests", "spec", "scoring request");
        AddIdentity(pod, index);

        _podNamespace.Add(pod.Namespace);
        _podName.Add(pod.Name);
        _podUid.Add(pod.Uid);
        _podNodeName.Add(pod.NodeName);
        _podPhase.Add(pod.Phase);
        _podQos.Add(qos);
        PodFlags flags = pod.Flags;
        foreach (OwnerRef owner in pod.Owners)
        {
            _owners.Add(owner);
            if (Strings[owner.Kind] == "DaemonSet")
            {
                flags |= PodFlags.DaemonSetOwned;
            }
        }

        _ownerStart.Add(_owners.Count);
        _podFlags.Add(flags);
        _podPriority.Add(pod.Priority);
        _podPriorityClass.Add(pod.PriorityClassName);
        _podStatusReason.Add(pod.StatusReason);
        _podCreation.Add(pod.CreationTime);
        _podStart.Add(pod.StartTime);
        _podDeletion.Add(pod.DeletionTime);
        _podLabels.Add(pod.Labels);
        _podAnnotations.Add(pod.Annotations);

        foreach (ContainerRecord container in pod.Containers)
        {
            if (container.Kind == ContainerKind.Regular)
            {
                _images.Add(container.Image);
            }
        }

        _imageStart.Add(_images.Count);

        // Effective requests are stored sparse until Build, because extended resources may still appear.
        for (int r = 0; r < requests.Length; r++)
        {
            if (requests[r] != 0)
            {
                _requests.Add(new ResourceAmount(r, requests[r]));
            }
        }

        _requestStart.Add(_requests.Count);
        _nonZeroCpu.Add(nonZeroCpu);
        _nonZeroMemory.Add(nonZeroMemory);
        _podConstraints.Add(InternConstraints(pod.Constraints));
        foreach (int claim in pod.PvcClaims)
        {
            _pvcClaims.Add(claim);
        }

        _pvcStart.Add(_pvcClaims.Count);
        foreach (ContainerStatus status in pod.ContainerStatuses)
        {
            _statuses.Add(status);
        }

        _statusStart.Add(_statuses.Count);
        _restarts.Add(restarts);
        _initRestarts.Add(initRestarts);
        foreach (PodCondition condition in pod.Conditions)
        {
            _conditions.Add(condition);
        }

        _conditionStart.Add(_conditions.Count);
        return index;
    }

    /// <exception cref="SnapshotValueException">The PodDisruptionBudget breaks a rule of <see cref="SnapshotRules"/>.</exception>
    public void AddPdb(PdbRecord pdb)
    {
        ArgumentNullException.ThrowIfNull(pdb);
        SnapshotRules.CheckName(pdb.Name, "metadata.name");
        SnapshotRules.CheckPdb(pdb);
        if (!_pdbNames.Add((pdb.Namespace, pdb.Name)))
        {
            throw Duplicate("PodDisruptionBudget", Strings[pdb.Namespace] + "/" + pdb.Name);
        }

        _pdbs.Add(pdb);
    }

    public void AddNamespace(string name, IReadOnlyList<(int Key, int Value)> labels) => AddNamespace(name, labels, []);

    /// <exception cref="SnapshotValueException">A Namespace of this name was added before, or the name is too long.</exception>
    public void AddNamespace(string name, IReadOnlyList<(int Key, int Value)> labels, IReadOnlyList<(int Key, int Value)> annotations)
    {
        SnapshotRules.CheckName(name, "metadata.name", SnapshotRules.MaxNamespaceLength);
        int id = Strings.Intern(name);
        if (!_namespaceNames.Add(id))
        {
            throw Duplicate("Namespace", name);
        }

        _namespaceName.Add(id);
        _namespaceLabels.Add(labels);
        _namespaceAnnotations.Add(annotations);
    }

    /// <exception cref="SnapshotValueException">A PriorityClass of this name was added before, or the name is too long.</exception>
    public void AddPriorityClass(string name, int value, bool globalDefault)
    {
        SnapshotRules.CheckName(name, "metadata.name");
        if (!_priorityClasses.TryAdd(Strings.Intern(name), new PriorityClassInfo(value, globalDefault)))
        {
            throw Duplicate("PriorityClass", name);
        }
    }

    /// <summary>A claim with only its storage class (test clusters); loaders add whole claims to <see cref="Inventory"/>.</summary>
    /// <exception cref="SnapshotValueException">A claim of this namespace and name was added before, or a name is too long.</exception>
    public void AddPersistentVolumeClaim(string @namespace, string name, string? storageClass)
    {
        SnapshotRules.CheckName(name, "metadata.name");
        SnapshotRules.CheckName(@namespace, "metadata.namespace", SnapshotRules.MaxNamespaceLength);
        var claim = new PersistentVolumeClaimObject
        {
            Meta = new ObjectMeta { Namespace = Strings.Intern(@namespace), Name = Strings.Intern(name) },
            StorageClass = storageClass is null ? 0 : Strings.Intern(storageClass),
        };
        if (!Inventory.Add(claim))
        {
            throw Duplicate("PersistentVolumeClaim", @namespace + "/" + name);
        }
    }

    /// <summary>Node usage from a NodeMetrics item: cpu in millicores, memory in bytes.</summary>
    /// <exception cref="SnapshotValueException">Metrics for this node were added before, or an amount is negative or too large.</exception>
    public void AddNodeMetrics(string node, long cpuMilli, long memoryBytes)
    {
        ArgumentNullException.ThrowIfNull(node);

        // Metrics usually follow the objects they measure, one each: size the table once instead of doubling it.
        if (_nodeMetrics.Count == 0)
        {
            _nodeMetrics.EnsureCapacity(NodeCount);
        }

        _nodeUsageTotals.Add(cpuMilli, memoryBytes, Resources, "nodes' usage", "usage");
        if (!_nodeMetrics.TryAdd(node, (cpuMilli, memoryBytes)))
        {
            throw Duplicate("NodeMetrics", node);
        }
    }

    /// <summary>Pod usage from a PodMetrics item (already summed over containers).</summary>
    /// <exception cref="SnapshotValueException">Metrics for this pod were added before, or an amount is negative or too large.</exception>
    public void AddPodMetrics(string @namespace, string name, long cpuMilli, long memoryBytes)
    {
        // As for nodes; a doubling table for 150,000 pods would allocate about twice its final size again.
        if (_podMetrics.Count == 0)
        {
            _podMetrics.EnsureCapacity(PodCount);
        }

        _podUsageTotals.Add(cpuMilli, memoryBytes, Resources, "pods' usage", "containers.usage");
        if (!_podMetrics.TryAdd((Strings.Intern(@namespace), name), (cpuMilli, memoryBytes)))
        {
            throw Duplicate("PodMetrics", @namespace + "/" + name);
        }
    }

    private static QosClass Qos(PodRecord pod)
    {
        try
        {
            return pod.Qos ?? PodResources.Qos(pod.Containers);
        }
        catch (OverflowException)
        {
            throw new SnapshotValueException("spec", "its containers' requests or limits of cpu or memory add up to more than 9223372036854775807");
        }
    }

    private static SnapshotValueException Duplicate(string kind, string name) =>
        new("metadata.name", $"a second {kind} {name}; each object appears once", name);

    /// <summary>The pod rules that do not need its requests: names and amounts 0 or more.</summary>
    private void CheckPod(PodRecord pod)
    {
        SnapshotRules.CheckName(pod.Name, "metadata.name");
        SnapshotRules.CheckName(pod.Uid, "metadata.uid");
        SnapshotRules.CheckName(Strings[pod.Namespace], "metadata.namespace", SnapshotRules.MaxNamespaceLength);
        SnapshotRules.CheckAmounts(Resources, pod.Overhead, "spec.overhead");
        foreach (ContainerRecord container in pod.Containers)
        {
            try
            {
                SnapshotRules.CheckAmounts(Resources, container.Requests, "resources.requests");
                SnapshotRules.CheckAmounts(Resources, container.Limits, "resources.limits");
            }
            catch (SnapshotValueException e)
            {
                throw new SnapshotValueException("spec", $"container '{Strings[container.Name]}': {e.Field}: {e.Problem}", e.Value);
            }
        }
    }

    /// <summary>Refuses a pod whose namespace and name, or uid, an earlier pod has; changes nothing.</summary>
    private void CheckIdentity(PodRecord pod)
    {
        if (_podKeys.Find(new PodNameKey(this, pod.Namespace, pod.Name)) >= 0)
        {
            throw new SnapshotValueException("metadata.name",
                $"a second pod {Strings[pod.Namespace]}/{pod.Name}; pods are unique by namespace and name", pod.Name);
        }

        int first = pod.Uid.Length > 0 ? _podUids.Find(new PodUidKey(this, pod.Uid)) : -1;
        if (first >= 0)
        {
            throw new SnapshotValueException("metadata.uid",
                $"pod {Strings[pod.Namespace]}/{pod.Name} has the uid of pod {Strings[_podNamespace[first]]}/{_podName[first]}; uids are unique", pod.Uid);
        }
    }

    /// <summary>Records pod <paramref name="index"/>'s identity; its columns are added right after.</summary>
    private void AddIdentity(PodRecord pod, int index)
    {
        _podKeys.Add(index, new PodNameKey(this, pod.Namespace, pod.Name));
        if (pod.Uid.Length > 0)
        {
            _podUids.Add(index, new PodUidKey(this, pod.Uid));
        }
    }

    /// <summary>A pod's namespace and name, compared with the pods already added (their columns).</summary>
    private readonly struct PodNameKey(SnapshotBuilder builder, int ns, string name) : IRowKey
    {
        public int Hash => HashCode.Combine(ns, name);

        public bool Matches(int row) => builder._podNamespace[row] == ns && string.Equals(builder._podName[row], name, StringComparison.Ordinal);

        public int HashOf(int row) => HashCode.Combine(builder._podNamespace[row], builder._podName[row]);
    }

    /// <summary>A pod's uid, compared with the pods already added.</summary>
    private readonly struct PodUidKey(SnapshotBuilder builder, string uid) : IRowKey
    {
        public int Hash => uid.GetHashCode(StringComparison.Ordinal);

        public bool Matches(int row) => string.Equals(builder._podUid[row], uid, StringComparison.Ordinal);

        public int HashOf(int row) => builder._podUid[row].GetHashCode(StringComparison.Ordinal);
    }

    /// <summary>Restart counts of the regular and of the init containers: each 0 or more, their sums within an int.</summary>
    private static (int Restarts, int InitRestarts) Restarts(PodRecord pod)
    {
        int restarts = 0;
        int initRestarts = 0;
        foreach (ContainerStatus status in pod.ContainerStatuses)
        {
            SnapshotRules.CheckCount(status.RestartCount, "status.containerStatuses.restartCount");
            try
            {
                if (status.Init)
                {
                    initRestarts = checked(initRestarts + status.RestartCount);
                }
                else
                {
                    restarts = checked(restarts + status.RestartCount);
                }
            }
            catch (OverflowException)
            {
                throw new SnapshotValueException("status", "its containers' restart counts add up to more than 2147483647");
            }
        }

        return (restarts, initRestarts);
    }

    public ClusterSnapshot Build()
    {
        if (_built)
        {
            throw new InvalidOperationException("A SnapshotBuilder builds one snapshot.");
        }

        _built = true;
        int resources = Resources.Count;
        int nodeCount = _nodeName.Count;
        int podCount = _podName.Count;

        string[] nodeNames = _nodeName.ToArray();
        long[] allocatable = new long[nodeCount * resources];
        for (int n = 0; n < nodeCount; n++)
        {
            for (int i = _allocatableStart[n]; i < _allocatableStart[n + 1]; i++)
            {
                ResourceAmount amount = _allocatable[i];
                allocatable[(n * resources) + amount.Resource] = amount.Amount;
            }
        }

        long[] nodeCpu = new long[nodeCount];
        long[] nodeMemory = new long[nodeCount];
        bool[] nodeHasUsage = new bool[nodeCount];
        for (int n = 0; n < nodeCount; n++)
        {
            if (_nodeMetrics.TryGetValue(nodeNames[n], out (long Cpu, long Memory) usage))
            {
                (nodeCpu[n], nodeMemory[n], nodeHasUsage[n]) = (usage.Cpu, usage.Memory, true);
            }
        }

        var nodes = new NodeTable(resources, nodeNames, _nodeFlags.ToArray(), _nodeCreation.ToArray(), _nodeLabels.Build(),
            _nodeAnnotations.Build(), _taintStart.ToArray(), _taints.ToArray(), allocatable, nodeCpu, nodeMemory, nodeHasUsage);

        // Resolve spec.nodeName to node indices by interned id.
        var nodeByNameId = new Dictionary<int, int>(nodeCount);
        for (int n = 0; n < nodeCount; n++)
        {
            nodeByNameId.TryAdd(Strings.Intern(nodeNames[n]), n);
        }

        int[] podNode = new int[podCount];
        int[] podNodeName = _podNodeName.ToArray();
        for (int p = 0; p < podCount; p++)
        {
            podNode[p] = podNodeName[p] != 0 && nodeByNameId.TryGetValue(podNodeName[p], out int n) ? n : -1;
        }

        (int[] perNode, int[] nodePods) = ClusterSnapshot.IndexPodsByNode(podNode, nodeCount);
        long[] requests = new long[podCount * resources];
        for (int p = 0; p < podCount; p++)
        {
            int row = p * resources;
            requests[row + ResourceCatalog.Pods] = 1;
            for (int i = _requestStart[p]; i < _requestStart[p + 1]; i++)
            {
                ResourceAmount amount = _requests[i];
                requests[row + amount.Resource] = amount.Amount;
            }
        }

        int[] podNamespace = _podNamespace.ToArray();
        string[] podNames = _podName.ToArray();
        long[] podCpu = new long[podCount];
        long[] podMemory = new long[podCount];
        bool[] podHasUsage = new bool[podCount];
        if (_podMetrics.Count > 0)
        {
            for (int p = 0; p < podCount; p++)
            {
                if (_podMetrics.TryGetValue((podNamespace[p], podNames[p]), out (long Cpu, long Memory) usage))
                {
                    (podCpu[p], podMemory[p], podHasUsage[p]) = (usage.Cpu, usage.Memory, true);
                }
            }
        }

        var pods = new PodTable(resources)
        {
            Namespace = podNamespace,
            Name = Utf8StringColumn.From(podNames),
            Uid = Utf8StringColumn.From(_podUid.ToArray()),
            Node = podNode,
            NodeName = podNodeName,
            Phase = _podPhase.ToArray(),
            Qos = _podQos.ToArray(),
            Flags = _podFlags.ToArray(),
            Priority = _podPriority.ToArray(),
            PriorityClassName = _podPriorityClass.ToArray(),
            StatusReason = _podStatusReason.ToArray(),
            CreationTime = _podCreation.ToArray(),
            StartTime = _podStart.ToArray(),
            DeletionTime = _podDeletion.ToArray(),
            Labels = _podLabels.Build(),
            Annotations = _podAnnotations.Build(),
            OwnerStart = _ownerStart.ToArray(),
            Owners = _owners.ToArray(),
            ImageStart = _imageStart.ToArray(),
            Images = _images.ToArray(),
            Requests = requests,
            NonZeroCpuMilli = _nonZeroCpu.ToArray(),
            NonZeroMemory = _nonZeroMemory.ToArray(),
            Constraints = _podConstraints.ToArray(),
            PvcStart = _pvcStart.ToArray(),
            PvcClaims = _pvcClaims.ToArray(),
            ContainerStatusStart = _statusStart.ToArray(),
            ContainerStatuses = _statuses.ToArray(),
            ConditionStart = _conditionStart.ToArray(),
            Conditions = _conditions.ToArray(),
            Restarts = _restarts.ToArray(),
            InitRestarts = _initRestarts.ToArray(),
            UsageCpuMilli = podCpu,
            UsageMemory = podMemory,
            HasUsage = podHasUsage,
        };

        var namespaces = new NamespaceTable(_namespaceName.ToArray(), _namespaceLabels.Build(), _namespaceAnnotations.Build());
        return new ClusterSnapshot(Strings, Resources, nodes, pods, _pdbs.ToArray(), namespaces, _priorityClasses,
            Inventory.Build(), [.. _constraintSets], perNode, nodePods);
    }

    private struct KeyValueBuilder
    {
        private GrowableArray<int> _start = new();
        private GrowableArray<int> _keys = new();
        private GrowableArray<int> _values = new();

        public KeyValueBuilder() => _start.Add(0);

        public void Add(IReadOnlyList<(int Key, int Value)> pairs)
        {
            for (int i = 0; i < pairs.Count; i++)
            {
                _keys.Add(pairs[i].Key);
                _values.Add(pairs[i].Value);
            }

            _start.Add(_keys.Count);
        }

        public readonly KeyValueColumn Build() => new(_start.ToArray(), _keys.ToArray(), _values.ToArray());
    }
}
