using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// Reads what <see cref="CompactSnapshotWriter"/> wrote and checks it before the planner sees it: every string id,
/// node index and constraint-set id in range, every row-start column rising from 0 to its column's length, every enum
/// value defined, the content hash equal. A damaged file is a <see cref="SnapshotFormatException"/> at its field path.
/// </summary>
internal sealed class CompactSnapshotReader(CompactInput input)
{
    private int _strings;
    private string? _scope;

    public (ClusterSnapshot Snapshot, CompactSnapshotProvenance Provenance) Read(ReadOnlySpan<byte> header)
    {
        input.HashPrefix(header);
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[CompactFormat.Magic.Length..]);
        if (version != CompactFormat.Version)
        {
            throw input.Damaged("version",
                $"format version {version} is not the version this rebalancer reads ({CompactFormat.Version}); write the snapshot again with this version ('rebalancer snapshot --from FILE.json --format compact')",
                version.ToString(CultureInfo.InvariantCulture));
        }

        var provenance = new CompactSnapshotProvenance(input.Strings("warnings"), Counts("objectsByKind"), Counts("skippedByKind"));
        var strings = Strings();
        ResourceCatalog resources = Resources();
        NodeTable nodes = Nodes(resources.Count);
        PodTable pods = Pods(resources.Count, nodes.Count);
        int[] namespaceNames = Ids(input.Array<int>("namespaces.name"), "namespaces.name");
        var namespaces = new NamespaceTable(namespaceNames, KeyValues("namespaces.labels", namespaceNames.Length));
        Dictionary<int, PriorityClassInfo> priorityClasses = PriorityClasses();
        Dictionary<(int, int), int> claims = Claims();

        int constraintCount = input.Count("constraintSets", 1);
        var constraintSets = new PodConstraints[constraintCount];
        for (int i = 0; i < constraintCount; i++)
        {
            _scope = $"constraintSets[{i}]";
            PodConstraints constraints = Constraints();
            constraintSets[i] = constraints.Equals(PodConstraints.None) ? PodConstraints.None : constraints;
        }

        _scope = null;
        CheckIds(pods.Constraints, constraintCount, "pods.constraints", "a constraint set");

        int pdbCount = input.Count("pdbs", 1);
        var pdbs = new PdbRecord[pdbCount];
        for (int i = 0; i < pdbCount; i++)
        {
            _scope = $"pdbs[{i}]";
            pdbs[i] = Pdb();
        }

        _scope = null;
        input.Finish();
        var snapshot = ClusterSnapshot.FromTables(strings, resources, nodes, pods, pdbs, namespaces, priorityClasses, claims, constraintSets);
        return (snapshot, provenance);
    }

    private List<KeyValuePair<string, int>> Counts(string field)
    {
        string[] kinds = input.Strings(field + ".kind");
        int[] counts = input.Column<int>(field + ".count", kinds.Length);
        return [.. kinds.Select((kind, i) => KeyValuePair.Create(kind, counts[i]))];
    }

    private StringTable Strings()
    {
        string[] values = input.Strings("strings");
        if (values.Length == 0 || values[0].Length != 0)
        {
            throw input.Damaged("strings", "the string table must start with the empty string");
        }

        var table = new StringTable();
        for (int i = 1; i < values.Length; i++)
        {
            if (table.Intern(values[i]) != i)
            {
                throw input.Damaged($"strings[{i}]", "a duplicate of an earlier string", values[i]);
            }
        }

        _strings = values.Length;
        return table;
    }

    private ResourceCatalog Resources()
    {
        string[] names = input.Strings("resources");
        var catalog = new ResourceCatalog();
        for (int i = 0; i < names.Length; i++)
        {
            if (catalog.GetOrAdd(names[i]) != i)
            {
                throw input.Damaged($"resources[{i}]", $"resources must start with {string.Join(", ", catalog.Names.Take(ResourceCatalog.EphemeralStorage + 1))} and hold each name once", names[i]);
            }
        }

        if (catalog.Count != names.Length)
        {
            throw input.Damaged("resources", $"resources must start with {string.Join(", ", catalog.Names.Take(ResourceCatalog.EphemeralStorage + 1))}");
        }

        return catalog;
    }

    private NodeTable Nodes(int resources)
    {
        string[] name = input.Strings("nodes.name");
        int count = name.Length;
        NodeFlags[] flags = input.Column<NodeFlags>("nodes.flags", count);
        CheckFlags(MemoryMarshal.AsBytes(flags.AsSpan()), (byte)(NodeFlags.Ready | NodeFlags.Unschedulable), "nodes.flags");
        long[] creation = input.Column<long>("nodes.creationTime", count);
        KeyValueColumn labels = KeyValues("nodes.labels", count);
        KeyValueColumn annotations = KeyValues("nodes.annotations", count);
        int[] taintStart = input.Column<int>("nodes.taintStart", count + 1);
        int[] taintKey = Ids(input.Array<int>("nodes.taints.key"), "nodes.taints.key");
        int[] taintValue = Ids(input.Column<int>("nodes.taints.value", taintKey.Length), "nodes.taints.value");
        TaintEffect[] taintEffect = Enums<TaintEffect>(input.Column<TaintEffect>("nodes.taints.effect", taintKey.Length), "nodes.taints.effect");
        CheckStarts(taintStart, taintKey.Length, "nodes.taintStart");
        var taints = new Taint[taintKey.Length];
        for (int i = 0; i < taints.Length; i++)
        {
            taints[i] = new Taint(taintKey[i], taintValue[i], taintEffect[i]);
        }

        long[] allocatable = input.Column<long>("nodes.allocatable", checked(count * resources));
        long[] cpu = input.Column<long>("nodes.usageCpuMilli", count);
        long[] memory = input.Column<long>("nodes.usageMemory", count);
        bool[] hasUsage = input.Bools("nodes.hasUsage", count);
        return new NodeTable(resources, name, flags, creation, labels, annotations, taintStart, taints, allocatable, cpu, memory, hasUsage);
    }

    private PodTable Pods(int resources, int nodeCount)
    {
        int[] ns = Ids(input.Array<int>("pods.namespace"), "pods.namespace");
        int count = ns.Length;
        string[] name = Strings("pods.name", count);
        string[] uid = Strings("pods.uid", count);
        int[] node = input.Column<int>("pods.node", count);
        foreach (int n in node)
        {
            if (n < -1 || n >= nodeCount)
            {
                throw input.Damaged("pods.node", $"not a node index (-1 to {nodeCount - 1})", n.ToString(CultureInfo.InvariantCulture));
            }
        }

        int[] nodeName = Ids(input.Column<int>("pods.nodeName", count), "pods.nodeName");
        PodPhase[] phase = Enums<PodPhase>(input.Column<PodPhase>("pods.phase", count), "pods.phase");
        QosClass[] qos = Enums<QosClass>(input.Column<QosClass>("pods.qos", count), "pods.qos");
        PodFlags[] flags = input.Column<PodFlags>("pods.flags", count);
        uint known = System.Enum.GetValues<PodFlags>().Aggregate(0u, (all, flag) => all | (uint)flag);
        foreach (PodFlags flag in flags)
        {
            if (((uint)flag & ~known) != 0)
            {
                throw input.Damaged("pods.flags", "undefined flag bits", ((uint)flag).ToString("x", CultureInfo.InvariantCulture));
            }
        }

        int[] priority = input.Column<int>("pods.priority", count);
        int[] priorityClassName = Ids(input.Column<int>("pods.priorityClassName", count), "pods.priorityClassName");
        int[] statusReason = Ids(input.Column<int>("pods.statusReason", count), "pods.statusReason");
        long[] creation = input.Column<long>("pods.creationTime", count);
        long[] start = input.Column<long>("pods.startTime", count);
        long[] deletion = input.Column<long>("pods.deletionTime", count);
        KeyValueColumn labels = KeyValues("pods.labels", count);
        KeyValueColumn annotations = KeyValues("pods.annotations", count);

        int[] ownerStart = input.Column<int>("pods.ownerStart", count + 1);
        int[] ownerKind = Ids(input.Array<int>("pods.owners.kind"), "pods.owners.kind");
        int[] ownerName = Ids(input.Column<int>("pods.owners.name", ownerKind.Length), "pods.owners.name");
        int[] ownerUid = Ids(input.Column<int>("pods.owners.uid", ownerKind.Length), "pods.owners.uid");
        bool[] ownerController = input.Bools("pods.owners.controller", ownerKind.Length);
        CheckStarts(ownerStart, ownerKind.Length, "pods.ownerStart");
        var owners = new OwnerRef[ownerKind.Length];
        for (int i = 0; i < owners.Length; i++)
        {
            owners[i] = new OwnerRef(ownerKind[i], ownerName[i], ownerUid[i], ownerController[i]);
        }

        int[] imageStart = input.Column<int>("pods.imageStart", count + 1);
        int[] images = Ids(input.Array<int>("pods.images"), "pods.images");
        CheckStarts(imageStart, images.Length, "pods.imageStart");
        long[] requests = input.Column<long>("pods.requests", checked(count * resources));
        int[] constraints = input.Column<int>("pods.constraints", count);
        int[] pvcStart = input.Column<int>("pods.pvcStart", count + 1);
        int[] pvcClaims = Ids(input.Array<int>("pods.pvcClaims"), "pods.pvcClaims");
        CheckStarts(pvcStart, pvcClaims.Length, "pods.pvcStart");

        int[] statusStart = input.Column<int>("pods.containerStatusStart", count + 1);
        int[] statusName = Ids(input.Array<int>("pods.containerStatuses.name"), "pods.containerStatuses.name");
        int statuses = statusName.Length;
        bool[] statusInit = input.Bools("pods.containerStatuses.init", statuses);
        int[] statusRestarts = input.Column<int>("pods.containerStatuses.restartCount", statuses);
        int[] statusWaiting = Ids(input.Column<int>("pods.containerStatuses.waitingReason", statuses), "pods.containerStatuses.waitingReason");
        int[] statusTerminated = Ids(input.Column<int>("pods.containerStatuses.terminatedReason", statuses), "pods.containerStatuses.terminatedReason");
        int[] statusExitCode = input.Column<int>("pods.containerStatuses.exitCode", statuses);
        bool[] statusHasExitCode = input.Bools("pods.containerStatuses.hasExitCode", statuses);
        bool[] statusReady = input.Bools("pods.containerStatuses.ready", statuses);
        CheckStarts(statusStart, statuses, "pods.containerStatusStart");
        var containerStatuses = new ContainerStatus[statuses];
        for (int i = 0; i < statuses; i++)
        {
            containerStatuses[i] = new ContainerStatus(statusName[i], statusInit[i], statusRestarts[i], statusWaiting[i],
                statusTerminated[i], statusExitCode[i], statusHasExitCode[i], statusReady[i]);
        }

        int[] conditionStart = input.Column<int>("pods.conditionStart", count + 1);
        int[] conditionType = Ids(input.Array<int>("pods.conditions.type"), "pods.conditions.type");
        int[] conditionStatus = Ids(input.Column<int>("pods.conditions.status", conditionType.Length), "pods.conditions.status");
        int[] conditionReason = Ids(input.Column<int>("pods.conditions.reason", conditionType.Length), "pods.conditions.reason");
        long[] conditionTime = input.Column<long>("pods.conditions.lastTransitionTime", conditionType.Length);
        CheckStarts(conditionStart, conditionType.Length, "pods.conditionStart");
        var conditions = new PodCondition[conditionType.Length];
        for (int i = 0; i < conditions.Length; i++)
        {
            conditions[i] = new PodCondition(conditionType[i], conditionStatus[i], conditionReason[i], conditionTime[i]);
        }

        return new PodTable(resources)
        {
            Namespace = ns,
            Name = name,
            Uid = uid,
            Node = node,
            NodeName = nodeName,
            Phase = phase,
            Qos = qos,
            Flags = flags,
            Priority = priority,
            PriorityClassName = priorityClassName,
            StatusReason = statusReason,
            CreationTime = creation,
            StartTime = start,
            DeletionTime = deletion,
            Labels = labels,
            Annotations = annotations,
            OwnerStart = ownerStart,
            Owners = owners,
            ImageStart = imageStart,
            Images = images,
            Requests = requests,
            Constraints = constraints,
            PvcStart = pvcStart,
            PvcClaims = pvcClaims,
            ContainerStatusStart = statusStart,
            ContainerStatuses = containerStatuses,
            ConditionStart = conditionStart,
            Conditions = conditions,
            Restarts = input.Column<int>("pods.restarts", count),
            InitRestarts = input.Column<int>("pods.initRestarts", count),
            UsageCpuMilli = input.Column<long>("pods.usageCpuMilli", count),
            UsageMemory = input.Column<long>("pods.usageMemory", count),
            HasUsage = input.Bools("pods.hasUsage", count),
        };
    }

    private Dictionary<int, PriorityClassInfo> PriorityClasses()
    {
        int[] names = Ids(input.Array<int>("priorityClasses.name"), "priorityClasses.name");
        int[] values = input.Column<int>("priorityClasses.value", names.Length);
        bool[] globalDefault = input.Bools("priorityClasses.globalDefault", names.Length);
        var classes = new Dictionary<int, PriorityClassInfo>(names.Length);
        for (int i = 0; i < names.Length; i++)
        {
            if (!classes.TryAdd(names[i], new PriorityClassInfo(values[i], globalDefault[i])))
            {
                throw input.Damaged($"priorityClasses.name[{i}]", "a duplicate name", names[i].ToString(CultureInfo.InvariantCulture));
            }
        }

        return classes;
    }

    private Dictionary<(int, int), int> Claims()
    {
        int[] ns = Ids(input.Array<int>("persistentVolumeClaims.namespace"), "persistentVolumeClaims.namespace");
        int[] names = Ids(input.Column<int>("persistentVolumeClaims.name", ns.Length), "persistentVolumeClaims.name");
        int[] storageClass = Ids(input.Column<int>("persistentVolumeClaims.storageClass", ns.Length), "persistentVolumeClaims.storageClass");
        var claims = new Dictionary<(int, int), int>(ns.Length);
        for (int i = 0; i < ns.Length; i++)
        {
            if (!claims.TryAdd((ns[i], names[i]), storageClass[i]))
            {
                throw input.Damaged($"persistentVolumeClaims[{i}]", "a duplicate claim");
            }
        }

        return claims;
    }

    private PodConstraints Constraints()
    {
        int tolerationCount = input.Count(Field("tolerations"), 10);
        var tolerations = new Toleration[tolerationCount];
        for (int i = 0; i < tolerationCount; i++)
        {
            tolerations[i] = new Toleration(Id(input.Int32(Field("tolerations.key"))), EnumValue<TolerationOperator>(input.Byte(Field("tolerations.operator")), "tolerations.operator"),
                Id(input.Int32(Field("tolerations.value"))), EnumValue<TaintEffect>(input.Byte(Field("tolerations.effect")), "tolerations.effect"));
        }

        int[] selectorKeys = Ids(input.Array<int>(Field("nodeSelector.key")), Field("nodeSelector.key"));
        int[] selectorValues = Ids(input.Column<int>(Field("nodeSelector.value"), selectorKeys.Length), Field("nodeSelector.value"));
        NodeSelectorTerm[]? required = null;
        if (input.Bool(Field("requiredNodeAffinity")))
        {
            required = new NodeSelectorTerm[input.Count(Field("requiredNodeAffinity"), 4)];
            for (int i = 0; i < required.Length; i++)
            {
                required[i] = Term();
            }
        }

        var preferred = new PreferredSchedulingTerm[input.Count(Field("preferredNodeAffinity"), 8)];
        for (int i = 0; i < preferred.Length; i++)
        {
            int weight = input.Int32(Field("preferredNodeAffinity.weight"));
            preferred[i] = new PreferredSchedulingTerm(weight, Term());
        }

        PodAffinityTerm[] affinity = AffinityTerms("requiredPodAffinity");
        PodAffinityTerm[] antiAffinity = AffinityTerms("requiredPodAntiAffinity");
        var preferredAnti = new WeightedPodAffinityTerm[input.Count(Field("preferredPodAntiAffinity"), 8)];
        for (int i = 0; i < preferredAnti.Length; i++)
        {
            int weight = input.Int32(Field("preferredPodAntiAffinity.weight"));
            preferredAnti[i] = new WeightedPodAffinityTerm(weight, AffinityTerm());
        }

        var spread = new TopologySpreadConstraint[input.Count(Field("topologySpread"), 16)];
        for (int i = 0; i < spread.Length; i++)
        {
            int maxSkew = input.Int32(Field("topologySpread.maxSkew"));
            int topologyKey = Id(input.Int32(Field("topologySpread.topologyKey")));
            var when = EnumValue<UnsatisfiableConstraintAction>(input.Byte(Field("topologySpread.whenUnsatisfiable")), "topologySpread.whenUnsatisfiable");
            LabelSelector selector = Selector();
            bool hasMinDomains = input.Bool(Field("topologySpread.minDomains"));
            int minDomains = input.Int32(Field("topologySpread.minDomains"));
            var affinityPolicy = EnumValue<NodeInclusionPolicy>(input.Byte(Field("topologySpread.nodeAffinityPolicy")), "topologySpread.nodeAffinityPolicy");
            var taintsPolicy = EnumValue<NodeInclusionPolicy>(input.Byte(Field("topologySpread.nodeTaintsPolicy")), "topologySpread.nodeTaintsPolicy");
            int[] matchLabelKeys = Ids(input.Array<int>(Field("topologySpread.matchLabelKeys")), Field("topologySpread.matchLabelKeys"));
            spread[i] = new TopologySpreadConstraint(maxSkew, topologyKey, when, selector, hasMinDomains ? minDomains : null,
                affinityPolicy, taintsPolicy, matchLabelKeys);
        }

        return new PodConstraints
        {
            Tolerations = tolerations,
            NodeSelector = [.. selectorKeys.Select((key, i) => (key, selectorValues[i]))],
            RequiredNodeAffinity = required,
            PreferredNodeAffinity = preferred,
            RequiredPodAffinity = affinity,
            RequiredPodAntiAffinity = antiAffinity,
            PreferredPodAntiAffinity = preferredAnti,
            TopologySpread = spread,
        };
    }

    private NodeSelectorTerm Term()
    {
        var requirements = new NodeSelectorRequirement[input.Count(Field("nodeSelectorTerm.requirements"), 10)];
        for (int i = 0; i < requirements.Length; i++)
        {
            int key = Id(input.Int32(Field("nodeSelectorTerm.key")));
            var op = EnumValue<SelectorOperator>(input.Byte(Field("nodeSelectorTerm.operator")), "nodeSelectorTerm.operator");
            int[] values = Ids(input.Array<int>(Field("nodeSelectorTerm.values")), Field("nodeSelectorTerm.values"));
            string[] raw = input.Strings(Field("nodeSelectorTerm.rawValues"));
            bool isField = input.Bool(Field("nodeSelectorTerm.isField"));
            requirements[i] = new NodeSelectorRequirement(key, op, values, raw, isField);
        }

        return new NodeSelectorTerm(requirements);
    }

    private PodAffinityTerm[] AffinityTerms(string field)
    {
        var terms = new PodAffinityTerm[input.Count(Field(field), 14)];
        for (int i = 0; i < terms.Length; i++)
        {
            terms[i] = AffinityTerm();
        }

        return terms;
    }

    private PodAffinityTerm AffinityTerm()
    {
        LabelSelector selector = Selector();
        int[] namespaces = Ids(input.Array<int>(Field("podAffinityTerm.namespaces")), Field("podAffinityTerm.namespaces"));
        LabelSelector? namespaceSelector = input.Bool(Field("podAffinityTerm.namespaceSelector")) ? Selector() : null;
        int topologyKey = Id(input.Int32(Field("podAffinityTerm.topologyKey")));
        return new PodAffinityTerm(selector, namespaces, namespaceSelector, topologyKey);
    }

    private LabelSelector Selector()
    {
        bool matchesNothing = input.Bool(Field("selector.matchesNothing"));
        var requirements = new SelectorRequirement[input.Count(Field("selector.requirements"), 9)];
        for (int i = 0; i < requirements.Length; i++)
        {
            int key = Id(input.Int32(Field("selector.key")));
            var op = EnumValue<SelectorOperator>(input.Byte(Field("selector.operator")), "selector.operator");
            int[] values = Ids(input.Array<int>(Field("selector.values")), Field("selector.values"));
            requirements[i] = new SelectorRequirement(key, op, values);
        }

        return requirements.Length > 0 ? new LabelSelector(requirements, matchesNothing)
            : matchesNothing ? LabelSelector.Nothing : LabelSelector.Everything;
    }

    private PdbRecord Pdb()
    {
        var pdb = new PdbRecord
        {
            Namespace = Id(input.Int32(Field("namespace"))),
            Name = input.String(Field("name")),
            Selector = Selector(),
            MinAvailable = IntOrPercent("minAvailable"),
            MaxUnavailable = IntOrPercent("maxUnavailable"),
            UnhealthyPodEvictionPolicy = EnumValue<UnhealthyPodEvictionPolicy>(input.Byte(Field("unhealthyPodEvictionPolicy")), "unhealthyPodEvictionPolicy"),
            Generation = input.Int64(Field("generation")),
            HasStatus = input.Bool(Field("hasStatus")),
            ObservedGeneration = input.Int64(Field("observedGeneration")),
            DisruptionsAllowed = input.Int32(Field("disruptionsAllowed")),
            CurrentHealthy = input.Int32(Field("currentHealthy")),
            DesiredHealthy = input.Int32(Field("desiredHealthy")),
            ExpectedPods = input.Int32(Field("expectedPods")),
        };
        pdb.DisruptedPods.AddRange(input.Strings(Field("disruptedPods")));
        return pdb;
    }

    private IntOrPercent? IntOrPercent(string field)
    {
        bool present = input.Bool(Field(field));
        int value = input.Int32(Field(field));
        bool isPercent = input.Bool(Field(field));
        return present ? new IntOrPercent(value, isPercent) : null;
    }

    private string[] Strings(string field, int expected)
    {
        string[] values = input.Strings(field);
        return values.Length == expected ? values : throw input.Damaged(field, $"has {values.Length} items where {expected} were expected");
    }

    private KeyValueColumn KeyValues(string field, int entities)
    {
        int[] start = input.Column<int>(field + ".start", entities + 1);
        int[] keys = Ids(input.Array<int>(field + ".keys"), field + ".keys");
        int[] values = Ids(input.Column<int>(field + ".values", keys.Length), field + ".values");
        CheckStarts(start, keys.Length, field + ".start");
        return new KeyValueColumn(start, keys, values);
    }

    private string Field(string name) => _scope is null ? name : _scope + "." + name;

    private int Id(int id)
    {
        if ((uint)id >= (uint)_strings)
        {
            throw input.Damaged(_scope ?? "strings", $"string id {id} is not in the string table (0 to {_strings - 1})");
        }

        return id;
    }

    private int[] Ids(int[] ids, string field)
    {
        CheckIds(ids, _strings, field, "a string id");
        return ids;
    }

    private void CheckIds(int[] ids, int count, string field, string what)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)count)
            {
                throw input.Damaged($"{field}[{i}]", $"not {what} (0 to {count - 1})", ids[i].ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>A row-start column: starts at 0, never falls, ends at the length of the column it indexes.</summary>
    private void CheckStarts(int[] start, int length, string field)
    {
        if (start[0] != 0 || start[^1] != length)
        {
            throw input.Damaged(field, $"must run from 0 to {length}, runs from {start[0]} to {start[^1]}");
        }

        for (int i = 1; i < start.Length; i++)
        {
            if (start[i] < start[i - 1])
            {
                throw input.Damaged($"{field}[{i}]", "falls below the entry before it", start[i].ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private T[] Enums<T>(T[] column, string field)
        where T : unmanaged, Enum
    {
        Span<bool> defined = stackalloc bool[256];
        foreach (T value in System.Enum.GetValues<T>())
        {
            defined[MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value))[0]] = true;
        }

        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(column.AsSpan());
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!defined[bytes[i]])
            {
                throw input.Damaged($"{field}[{i}]", $"not a {typeof(T).Name} value", bytes[i].ToString(CultureInfo.InvariantCulture));
            }
        }

        return column;
    }

    private T EnumValue<T>(byte value, string field)
        where T : unmanaged, Enum
    {
        T converted = MemoryMarshal.Cast<byte, T>(new ReadOnlySpan<byte>(in value))[0];
        return System.Enum.IsDefined(converted) ? converted : throw input.Damaged(Field(field), $"not a {typeof(T).Name} value", value.ToString(CultureInfo.InvariantCulture));
    }

    private void CheckFlags(ReadOnlySpan<byte> flags, byte known, string field)
    {
        for (int i = 0; i < flags.Length; i++)
        {
            if ((flags[i] & ~known) != 0)
            {
                throw input.Damaged($"{field}[{i}]", "undefined flag bits", flags[i].ToString("x", CultureInfo.InvariantCulture));
            }
        }
    }
}
