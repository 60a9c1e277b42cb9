using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// Reads what <see cref="CompactSnapshotWriter"/> wrote and checks it before the planner sees it: every string id,
/// node index and constraint-set id in range, every row-start column rising from 0 to its column's length, every enum
/// value defined, the content hash equal, and the value rules every loader applies (<see cref="SnapshotRules"/>: no
/// negative amount, no duplicate object, totals in range). A damaged file is a <see cref="SnapshotFormatException"/>
/// at its field path.
/// </summary>
internal sealed partial class CompactSnapshotReader(CompactInput input)
{
    private int _strings;
    private int _version;

    public (ClusterSnapshot Snapshot, CompactSnapshotProvenance Provenance) Read(ReadOnlySpan<byte> header)
    {
        input.ChecksumPrefix(header);
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[CompactFormat.Magic.Length..]);
        if (version is < CompactFormat.OldestReadable or > CompactFormat.Version)
        {
            throw input.Damaged("version",
                $"format version {version} is not a version this rebalancer reads ({CompactFormat.OldestReadable} to {CompactFormat.Version}); write the snapshot again with this version ('rebalancer snapshot --from FILE.json --format compact')",
                version.ToString(CultureInfo.InvariantCulture));
        }

        _version = version;

        var provenance = new CompactSnapshotProvenance(input.Strings("warnings"), Counts("objectsByKind"), Counts("skippedByKind"));
        if (_version == 1)
        {
            provenance = provenance with { Warnings = [.. provenance.Warnings, Version1Warning] };
        }

        var strings = Strings();
        ResourceCatalog resources = Resources();
        NodeTable nodes = Nodes(resources.Count);
        PodTable pods = Pods(resources.Count, nodes.Count);
        int[] namespaceNames = Ids(input.Array<int>("namespaces.name"), "namespaces.name");
        var namespaces = new NamespaceTable(namespaceNames, KeyValues("namespaces.labels", namespaceNames.Length),
            _version == 1 ? null : KeyValues("namespaces.annotations", namespaceNames.Length));
        Dictionary<int, PriorityClassInfo> priorityClasses = PriorityClasses();
        PersistentVolumeClaimObject[]? claimsV1 = _version == 1 ? ClaimsV1(strings) : null;

        int constraintCount = input.Count("constraintSets", 1);
        var constraintSets = new PodConstraints[constraintCount];
        for (int i = 0; i < constraintCount; i++)
        {
            input.Scope = $"constraintSets[{i}]";
            PodConstraints constraints = Constraints();
            constraintSets[i] = constraints.Equals(PodConstraints.None) ? PodConstraints.None : constraints;
        }

        input.Scope = null;
        CheckIds(pods.Constraints, constraintCount, "pods.constraints", "a constraint set");

        int pdbCount = input.Count("pdbs", 1);
        var pdbs = new PdbRecord[pdbCount];
        for (int i = 0; i < pdbCount; i++)
        {
            input.Scope = $"pdbs[{i}]";
            pdbs[i] = Pdb();
        }

        input.Scope = null;
        ClusterInventory inventory = claimsV1 is null ? Inventory(strings, resources.Count)
            : new ClusterInventory(claimsV1.Length > 0 ? InventoryKinds.PersistentVolumeClaims : InventoryKinds.None, [], [], [], [], [], [], [], [], claimsV1, [], []);
        input.Finish();
        var snapshot = ClusterSnapshot.FromTables(strings, resources, nodes, pods, pdbs, namespaces, priorityClasses, inventory, constraintSets);

        // A file can be written from bad tables with a valid checksum: the value rules the loaders apply hold here too.
        if (SnapshotRules.Check(snapshot) is { } broken)
        {
            throw input.Damaged(broken.Field, broken.Problem, broken.Value);
        }

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

        var table = new StringTable(values.Length);
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
        Taint[] taints = input.Records("nodes.taints", CompactRecords.TaintSize, CompactRecords.ReadTaint);
        CheckStarts(taintStart, taints.Length, "nodes.taintStart");
        for (int i = 0; i < taints.Length; i++)
        {
            Id(taints[i].Key, "nodes.taints", i, "key");
            Id(taints[i].Value, "nodes.taints", i, "value");
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
        Utf8StringColumn name = Utf8Column("pods.name", count);
        Utf8StringColumn uid = Utf8Column("pods.uid", count);
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
        OwnerRef[] owners = input.Records("pods.owners", CompactRecords.OwnerSize, CompactRecords.ReadOwner);
        CheckStarts(ownerStart, owners.Length, "pods.ownerStart");
        for (int i = 0; i < owners.Length; i++)
        {
            Id(owners[i].Kind, "pods.owners", i, "kind");
            Id(owners[i].Name, "pods.owners", i, "name");
            Id(owners[i].Uid, "pods.owners", i, "uid");
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
        ContainerStatus[] containerStatuses = _version == 1
            ? input.Records("pods.containerStatuses", CompactRecords.ContainerStatusSizeV1, CompactRecords.ReadContainerStatusV1)
            : input.Records("pods.containerStatuses", CompactRecords.ContainerStatusSize, CompactRecords.ReadContainerStatus);
        CheckStarts(statusStart, containerStatuses.Length, "pods.containerStatusStart");
        for (int i = 0; i < containerStatuses.Length; i++)
        {
            Id(containerStatuses[i].Name, "pods.containerStatuses", i, "name");
            Id(containerStatuses[i].WaitingReason, "pods.containerStatuses", i, "waitingReason");
            Id(containerStatuses[i].TerminatedReason, "pods.containerStatuses", i, "terminatedReason");
            Id(containerStatuses[i].LastTerminatedReason, "pods.containerStatuses", i, "lastTerminatedReason");
        }

        int[] conditionStart = input.Column<int>("pods.conditionStart", count + 1);
        PodCondition[] conditions = input.Records("pods.conditions", CompactRecords.ConditionSize, CompactRecords.ReadCondition);
        CheckStarts(conditionStart, conditions.Length, "pods.conditionStart");
        for (int i = 0; i < conditions.Length; i++)
        {
            Id(conditions[i].Type, "pods.conditions", i, "type");
            Id(conditions[i].Status, "pods.conditions", i, "status");
            Id(conditions[i].Reason, "pods.conditions", i, "reason");
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
            NonZeroCpuMilli = _version == 1 ? NonZeroV1(requests, resources, ResourceCatalog.Cpu, PodResources.DefaultMilliCpuRequest)
                : input.Column<long>("pods.nonZeroCpuMilli", count),
            NonZeroMemory = _version == 1 ? NonZeroV1(requests, resources, ResourceCatalog.Memory, PodResources.DefaultMemoryRequest)
                : input.Column<long>("pods.nonZeroMemory", count),
        };
    }

    /// <summary>
    /// The warning a version 1 file loads with: what it did not hold is approximated or absent, never silently wrong.
    /// </summary>
    internal const string Version1Warning =
        "compact snapshot of format version 1: it holds no inventory objects (only the claims' storage classes), no namespace annotations, "
        + "no preferred pod affinity terms and no last terminated reasons, and the scheduler's scoring requests are approximated from each "
        + "pod's total requests (100m cpu and 200Mi memory where the pod requests none, not per container); write it again from its JSON "
        + "('rebalancer snapshot --from FILE.json --format compact') for all of them";

    /// <summary>Version 1 stored no scoring requests: a pod's total request, or the scheduler's default when it has none.</summary>
    private static long[] NonZeroV1(long[] requests, int width, int resource, long fallback)
    {
        long[] column = new long[width == 0 ? 0 : requests.Length / width];
        for (int p = 0; p < column.Length; p++)
        {
            long amount = requests[(p * width) + resource];
            column[p] = amount == 0 ? fallback : amount;
        }

        return column;
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

    /// <summary>
    /// Format version 1's claims: namespace, name and storage class columns (a map's enumeration order), read as claims
    /// with only their storage class, in the inventory's order.
    /// </summary>
    private PersistentVolumeClaimObject[] ClaimsV1(StringTable strings)
    {
        int[] ns = Ids(input.Array<int>("persistentVolumeClaims.namespace"), "persistentVolumeClaims.namespace");
        int[] names = Ids(input.Column<int>("persistentVolumeClaims.name", ns.Length), "persistentVolumeClaims.name");
        int[] storageClass = Ids(input.Column<int>("persistentVolumeClaims.storageClass", ns.Length), "persistentVolumeClaims.storageClass");
        var claims = new PersistentVolumeClaimObject[ns.Length];
        for (int i = 0; i < ns.Length; i++)
        {
            claims[i] = new PersistentVolumeClaimObject
            {
                Meta = new ObjectMeta { Namespace = ns[i], Name = names[i] },
                StorageClass = storageClass[i],
            };
        }

        Array.Sort(claims, (a, b) => InventoryBuilder.Compare(strings, a.Meta, b.Meta));
        for (int i = 1; i < claims.Length; i++)
        {
            if (InventoryBuilder.Compare(strings, claims[i - 1].Meta, claims[i].Meta) == 0)
            {
                throw input.Damaged($"persistentVolumeClaims[{i}]", "a duplicate claim");
            }
        }

        return claims;
    }

    private PodConstraints Constraints()
    {
        int tolerationCount = input.Count("tolerations", 10);
        var tolerations = new Toleration[tolerationCount];
        for (int i = 0; i < tolerationCount; i++)
        {
            tolerations[i] = new Toleration(Id(input.Int32("tolerations.key"), "tolerations.key"), EnumValue<TolerationOperator>(input.Byte("tolerations.operator"), "tolerations.operator"),
                Id(input.Int32("tolerations.value"), "tolerations.value"), EnumValue<TaintEffect>(input.Byte("tolerations.effect"), "tolerations.effect"));
        }

        int[] selectorKeys = Ids(input.Array<int>("nodeSelector.key"), "nodeSelector.key");
        int[] selectorValues = Ids(input.Column<int>("nodeSelector.value", selectorKeys.Length), "nodeSelector.value");
        NodeSelectorTerm[]? required = null;
        if (input.Bool("requiredNodeAffinity"))
        {
            required = new NodeSelectorTerm[input.Count("requiredNodeAffinity", 4)];
            for (int i = 0; i < required.Length; i++)
            {
                required[i] = Term();
            }
        }

        var preferred = new PreferredSchedulingTerm[input.Count("preferredNodeAffinity", 8)];
        for (int i = 0; i < preferred.Length; i++)
        {
            int weight = input.Int32("preferredNodeAffinity.weight");
            preferred[i] = new PreferredSchedulingTerm(weight, Term());
        }

        PodAffinityTerm[] affinity = AffinityTerms("requiredPodAffinity");
        PodAffinityTerm[] antiAffinity = AffinityTerms("requiredPodAntiAffinity");
        WeightedPodAffinityTerm[] preferredAffinity = _version == 1 ? [] : WeightedTerms("preferredPodAffinity");
        WeightedPodAffinityTerm[] preferredAnti = WeightedTerms("preferredPodAntiAffinity");

        var spread = new TopologySpreadConstraint[input.Count("topologySpread", 16)];
        for (int i = 0; i < spread.Length; i++)
        {
            int maxSkew = input.Int32("topologySpread.maxSkew");
            int topologyKey = Id(input.Int32("topologySpread.topologyKey"), "topologySpread.topologyKey");
            var when = EnumValue<UnsatisfiableConstraintAction>(input.Byte("topologySpread.whenUnsatisfiable"), "topologySpread.whenUnsatisfiable");
            LabelSelector selector = Selector();
            bool hasMinDomains = input.Bool("topologySpread.minDomains");
            int minDomains = input.Int32("topologySpread.minDomains");
            var affinityPolicy = EnumValue<NodeInclusionPolicy>(input.Byte("topologySpread.nodeAffinityPolicy"), "topologySpread.nodeAffinityPolicy");
            var taintsPolicy = EnumValue<NodeInclusionPolicy>(input.Byte("topologySpread.nodeTaintsPolicy"), "topologySpread.nodeTaintsPolicy");
            int[] matchLabelKeys = Ids(input.Array<int>("topologySpread.matchLabelKeys"), "topologySpread.matchLabelKeys");
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
            PreferredPodAffinity = preferredAffinity,
            PreferredPodAntiAffinity = preferredAnti,
            TopologySpread = spread,
        };
    }

    private NodeSelectorTerm Term()
    {
        var requirements = new NodeSelectorRequirement[input.Count("nodeSelectorTerm.requirements", 10)];
        for (int i = 0; i < requirements.Length; i++)
        {
            int key = Id(input.Int32("nodeSelectorTerm.key"), "nodeSelectorTerm.key");
            var op = EnumValue<SelectorOperator>(input.Byte("nodeSelectorTerm.operator"), "nodeSelectorTerm.operator");
            int[] values = Ids(input.Array<int>("nodeSelectorTerm.values"), "nodeSelectorTerm.values");
            string[] raw = input.Strings("nodeSelectorTerm.rawValues");
            bool isField = input.Bool("nodeSelectorTerm.isField");
            requirements[i] = new NodeSelectorRequirement(key, op, values, raw, isField);
        }

        return new NodeSelectorTerm(requirements);
    }

    private PodAffinityTerm[] AffinityTerms(string field)
    {
        var terms = new PodAffinityTerm[input.Count(field, 14)];
        for (int i = 0; i < terms.Length; i++)
        {
            terms[i] = AffinityTerm();
        }

        return terms;
    }

    private WeightedPodAffinityTerm[] WeightedTerms(string field)
    {
        var terms = new WeightedPodAffinityTerm[input.Count(field, 8)];
        for (int i = 0; i < terms.Length; i++)
        {
            int weight = input.Int32(field + ".weight");
            terms[i] = new WeightedPodAffinityTerm(weight, AffinityTerm());
        }

        return terms;
    }

    private PodAffinityTerm AffinityTerm()
    {
        LabelSelector selector = Selector();
        int[] namespaces = Ids(input.Array<int>("podAffinityTerm.namespaces"), "podAffinityTerm.namespaces");
        LabelSelector? namespaceSelector = input.Bool("podAffinityTerm.namespaceSelector") ? Selector() : null;
        int topologyKey = Id(input.Int32("podAffinityTerm.topologyKey"), "podAffinityTerm.topologyKey");
        return new PodAffinityTerm(selector, namespaces, namespaceSelector, topologyKey);
    }

    private LabelSelector Selector()
    {
        bool matchesNothing = input.Bool("selector.matchesNothing");
        var requirements = new SelectorRequirement[input.Count("selector.requirements", 9)];
        for (int i = 0; i < requirements.Length; i++)
        {
            int key = Id(input.Int32("selector.key"), "selector.key");
            var op = EnumValue<SelectorOperator>(input.Byte("selector.operator"), "selector.operator");
            int[] values = Ids(input.Array<int>("selector.values"), "selector.values");
            requirements[i] = new SelectorRequirement(key, op, values);
        }

        return requirements.Length > 0 ? new LabelSelector(requirements, matchesNothing)
            : matchesNothing ? LabelSelector.Nothing : LabelSelector.Everything;
    }

    private PdbRecord Pdb()
    {
        var pdb = new PdbRecord
        {
            Namespace = Id(input.Int32("namespace"), "namespace"),
            Name = input.String("name"),
            Selector = Selector(),
            MinAvailable = IntOrPercent("minAvailable"),
            MaxUnavailable = IntOrPercent("maxUnavailable"),
            UnhealthyPodEvictionPolicy = EnumValue<UnhealthyPodEvictionPolicy>(input.Byte("unhealthyPodEvictionPolicy"), "unhealthyPodEvictionPolicy"),
            Generation = input.Int64("generation"),
            HasStatus = input.Bool("hasStatus"),
            ObservedGeneration = input.Int64("observedGeneration"),
            DisruptionsAllowed = input.Int32("disruptionsAllowed"),
            CurrentHealthy = input.Int32("currentHealthy"),
            DesiredHealthy = input.Int32("desiredHealthy"),
            ExpectedPods = input.Int32("expectedPods"),
        };
        pdb.DisruptedPods.AddRange(input.Strings("disruptedPods"));
        return pdb;
    }

    private IntOrPercent? IntOrPercent(string field)
    {
        bool present = input.Bool(field);
        int value = input.Int32(field);
        bool isPercent = input.Bool(field);
        return present ? new IntOrPercent(value, isPercent) : null;
    }

    private Utf8StringColumn Utf8Column(string field, int expected)
    {
        Utf8StringColumn values = input.Utf8Strings(field);
        return values.Count == expected ? values : throw input.Damaged(field, $"has {values.Count} items where {expected} were expected");
    }

    private KeyValueColumn KeyValues(string field, int entities)
    {
        int[] start = input.Column<int>(field + ".start", entities + 1);
        int[] keys = Ids(input.Array<int>(field + ".keys"), field + ".keys");
        int[] values = Ids(input.Column<int>(field + ".values", keys.Length), field + ".values");
        CheckStarts(start, keys.Length, field + ".start");
        return new KeyValueColumn(start, keys, values);
    }

    /// <summary>Checks a string id inside record <paramref name="index"/> of <paramref name="field"/>; the path is built only for an error.</summary>
    private void Id(int id, string field, int index, string member)
    {
        if ((uint)id >= (uint)_strings)
        {
            throw input.Damaged($"{field}[{index}].{member}", $"not a string id (0 to {_strings - 1})", id.ToString(CultureInfo.InvariantCulture));
        }
    }

    private int Id(int id, string field) =>
        (uint)id < (uint)_strings ? id : throw input.Damaged(field, $"not a string id (0 to {_strings - 1})", id.ToString(CultureInfo.InvariantCulture));

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
        return System.Enum.IsDefined(converted) ? converted : throw input.Damaged(field, $"not a {typeof(T).Name} value", value.ToString(CultureInfo.InvariantCulture));
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
