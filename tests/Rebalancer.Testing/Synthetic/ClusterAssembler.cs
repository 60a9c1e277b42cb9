namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// Builds a <see cref="ClusterModel"/>: nodes with EKS-like capacity, workloads, then placement (requests fit, replicas
/// spread unless co-located on purpose, anti-affinity and zone spread honoured) and the derived state (PDB status,
/// output order). Shared by <see cref="SyntheticClusterGenerator"/> and <see cref="DemoCluster"/>.
/// </summary>
internal sealed class ClusterAssembler
{
    private const int FullScanLimit = 64;
    private const int Samples = 8;

    private readonly Random _rng;
    private readonly Random _ids;
    private readonly Random _inventory;
    private readonly Random _lateIds;
    private readonly ClusterModel _model;
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _podNames = new(StringComparer.Ordinal);
    private readonly int[] _zoneOrdinal;
    private int[] _stamp = [];
    private int _stampValue;
    private readonly long[] _scaled = new long[Dim.Count];

    // Eligible node lists, [zone + 1] (index 0 = every zone): untainted nodes, and per pool.
    private int[][] _untainted = [];
    private int[][][] _byPool = [];

    public ClusterAssembler(SyntheticClusterOptions options, IReadOnlyList<SyntheticNodePool> pools, (string Key, string Value)?[] poolTaints)
    {
        _rng = new Random(options.Seed);
        _ids = new Random(unchecked((options.Seed * 7919) + 104_729));
        _inventory = new Random(unchecked((options.Seed * 9973) + 7));
        _lateIds = new Random(unchecked((options.Seed * 9967) + 3));
        string[] zones = new string[options.Zones];
        for (int z = 0; z < zones.Length; z++)
        {
            zones[z] = options.Region + (char)('a' + z);
        }

        _zoneOrdinal = new int[zones.Length];
        _model = new ClusterModel { Options = options, Pools = pools, PoolTaints = poolTaints, ZoneNames = zones };
    }

    public ClusterModel Model => _model;

    /// <summary>The placement generator; planners draw their own choices from it too, so one seed decides everything.</summary>
    public Random Rng => _rng;

    /// <summary>The generator of identifiers (uids, hashes, name suffixes).</summary>
    public Random Ids => _ids;

    /// <summary>
    /// The generator of the inventory's choices (HPAs, quotas, CronJobs, revisions, volume sizes): a stream of its own,
    /// so adding inventory leaves the nodes, pods and their placement exactly as they were.
    /// </summary>
    public Random InventoryRng => _inventory;

    /// <summary>Identifiers of workloads added after the original ones (the demo's Jobs): <see cref="AddWorkload"/>'s <c>ids</c>.</summary>
    public Random LateIds => _lateIds;

    public NodeSpec AddNode(int pool, int zone, bool spot, int ageSeconds)
    {
        SyntheticNodePool p = _model.Pools[pool];
        // One /12 per zone, addresses scrambled by an odd multiplier (a bijection mod 2^20), so names are unique.
        int k = (int)((((long)_zoneOrdinal[zone]++ * 40_503) + 4_099 + (zone * 312_211L)) & 0xF_FFFF);
        int b = (zone * 16) + (k >> 16);
        int c = (k >> 8) & 0xFF;
        int d = k & 0xFF;
        string ip = $"10.{b}.{c}.{d}";
        string name = $"ip-10-{b}-{c}-{d}.{_model.Options.Region}.compute.internal";
        if (!_nodeNames.Add(name))
        {
            throw new InvalidOperationException($"Duplicate node name {name}.");
        }

        var node = new NodeSpec
        {
            Name = name,
            Ip = ip,
            Zone = zone,
            Pool = pool,
            InstanceType = p.InstanceTypes[_rng.Next(p.InstanceTypes.Count)],
            Spot = spot,
            CreatedUnix = _model.NowUnix - ageSeconds,
            InstanceId = "i-0" + RandomIds.HexString(_ids, 16),
            Uid = RandomIds.Uid(_ids),
        };

        long cpu = p.Cpu * 1000L;
        long memKi = (p.MemoryGi * 1_048_576L) - (p.MemoryGi * 36_700L);
        node.Capacity[Dim.Cpu] = cpu;
        node.Capacity[Dim.Memory] = memKi * 1024;
        node.Capacity[Dim.Pods] = p.MaxPods;
        node.Capacity[Dim.Gpu] = p.Gpus;
        node.Capacity[Dim.Ephemeral] = 104_845_292L * 1024;
        node.Allocatable[Dim.Cpu] = cpu - ReservedCpu(p.Cpu);
        node.Allocatable[Dim.Memory] = (memKi - ((255L + (11L * p.MaxPods) + 100L) * 1024)) * 1024;
        node.Allocatable[Dim.Pods] = p.MaxPods;
        node.Allocatable[Dim.Gpu] = p.Gpus;
        node.Allocatable[Dim.Ephemeral] = 95_551_679_124L;
        _model.Nodes.Add(node);
        return node;
    }

    /// <summary>Sorts the nodes by name (kubectl's order) and builds the eligibility lists. Call once, after the last <see cref="AddNode"/>.</summary>
    public void SealNodes()
    {
        _model.Nodes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        int zones = _model.ZoneNames.Length;
        var untainted = new List<int>[zones + 1];
        var byPool = new List<int>[_model.Pools.Count][];
        for (int z = 0; z <= zones; z++)
        {
            untainted[z] = [];
        }

        for (int p = 0; p < byPool.Length; p++)
        {
            byPool[p] = new List<int>[zones + 1];
            for (int z = 0; z <= zones; z++)
            {
                byPool[p][z] = [];
            }
        }

        for (int n = 0; n < _model.Nodes.Count; n++)
        {
            NodeSpec node = _model.Nodes[n];
            byPool[node.Pool][0].Add(n);
            byPool[node.Pool][node.Zone + 1].Add(n);
            if (_model.PoolTaints[node.Pool] is null)
            {
                untainted[0].Add(n);
                untainted[node.Zone + 1].Add(n);
            }
        }

        _untainted = Array.ConvertAll(untainted, l => l.ToArray());
        _byPool = Array.ConvertAll(byPool, lists => Array.ConvertAll(lists, l => l.ToArray()));
        _stamp = new int[_model.Nodes.Count];
    }

    public int NodesInPool(int pool) => _byPool[pool][0].Length;

    public int UntaintedNodes => _untainted[0].Length;

    public int AddNamespace(string name, int ageSeconds, bool mesh, params (string Key, string Value)[] labels)
    {
        var ns = new NamespaceSpec { Name = name, AgeSeconds = ageSeconds, Mesh = mesh, Uid = RandomIds.Uid(_ids) };
        ns.Labels.Add(("kubernetes.io/metadata.name", name));
        ns.Labels.AddRange(labels);
        if (mesh)
        {
            ns.Labels.Add(("istio-injection", "enabled"));
        }

        ns.Labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        _model.Namespaces.Add(ns);
        return _model.Namespaces.Count - 1;
    }

    public int FindNamespace(string name) => _model.Namespaces.FindIndex(n => n.Name == name);

    public WorkloadSpec AddWorkload(WorkloadSpec workload, Random? ids = null)
    {
        // Workloads added after the ones that were there before (a file's Jobs) draw from their own generator, so the
        // ids, hashes and pod names of the others stay what they were.
        ids ??= _ids;
        workload.OwnerUid = RandomIds.Uid(ids);
        // pod-template-hash (Deployments) or controller-revision-hash (StatefulSets, DaemonSets).
        workload.TemplateHash = workload.Kind is WorkloadKind.Bare or WorkloadKind.Job ? string.Empty : RandomIds.Suffix(ids, 10);
        if (workload.Pdb is not null)
        {
            workload.Pdb.Uid = RandomIds.Uid(ids);
        }

        _model.Workloads.Add(workload);
        return workload;
    }

    /// <summary>Places every workload in the order added and fills <see cref="ClusterModel.Pods"/>.</summary>
    public void Place()
    {
        int total = 0;
        foreach (WorkloadSpec w in _model.Workloads)
        {
            total += w.Kind == WorkloadKind.DaemonSet ? _model.Nodes.Count : w.Replicas;
        }

        _model.Pods = new PodSlot[total];
        for (int i = 0; i < _model.Workloads.Count; i++)
        {
            WorkloadSpec w = _model.Workloads[i];
            ComputeRequests(w);
            if (w.Kind == WorkloadKind.DaemonSet)
            {
                w.Replicas = _model.Nodes.Count;
            }

            PlaceWorkload(i, w);
        }
    }

    /// <summary>Computes PDB status and the output order of pods and PDBs.</summary>
    public ClusterModel Seal()
    {
        ClusterModel m = _model;
        var ready = new int[m.Workloads.Count];
        var count = new int[m.Workloads.Count];
        for (int i = 0; i < m.PodCount; i++)
        {
            ref PodSlot pod = ref m.Pods[i];
            count[pod.Workload]++;
            if (pod.State == PodState.Running)
            {
                ready[pod.Workload]++;
            }
        }

        for (int i = 0; i < m.Workloads.Count; i++)
        {
            WorkloadSpec w = m.Workloads[i];
            if (w.Pdb is { } pdb)
            {
                // The disruption controller (pkg/controller/disruption getExpectedPodCount): maxUnavailable and a
                // percentage minAvailable scale against the controller's replicas (percentages round up); an integer
                // minAvailable counts the matching pods.
                int scale = w.Replicas;
                if (!pdb.MinAvailable)
                {
                    pdb.ExpectedPods = scale;
                    int maxUnavailable = pdb.Percent ? (int)Math.Ceiling(pdb.Value * (double)scale / 100.0) : pdb.Value;
                    pdb.DesiredHealthy = Math.Max(0, scale - maxUnavailable);
                }
                else if (pdb.Percent)
                {
                    pdb.ExpectedPods = scale;
                    pdb.DesiredHealthy = (int)Math.Ceiling(pdb.Value * (double)scale / 100.0);
                }
                else
                {
                    pdb.ExpectedPods = count[i];
                    pdb.DesiredHealthy = pdb.Value;
                }

                pdb.CurrentHealthy = ready[i];
                pdb.DisruptionsAllowed = Math.Max(0, pdb.CurrentHealthy - pdb.DesiredHealthy);
            }
        }

        // The API server lists by storage key: /registry/pods/<namespace>/<name>.
        int[] nsRank = NamespaceKeyRanks(m.Namespaces);
        int[] order = new int[m.PodCount];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        PodSlot[] pods = m.Pods;
        List<WorkloadSpec> workloads = m.Workloads;
        Array.Sort(order, (a, b) =>
        {
            int c = nsRank[workloads[pods[a].Workload].Namespace].CompareTo(nsRank[workloads[pods[b].Workload].Namespace]);
            return c != 0 ? c : string.CompareOrdinal(pods[a].Name, pods[b].Name);
        });
        m.PodOrder = order;

        var pdbs = new List<int>();
        for (int i = 0; i < workloads.Count; i++)
        {
            if (workloads[i].Pdb is not null)
            {
                pdbs.Add(i);
            }
        }

        pdbs.Sort((a, b) =>
        {
            int c = nsRank[workloads[a].Namespace].CompareTo(nsRank[workloads[b].Namespace]);
            return c != 0 ? c : string.CompareOrdinal(workloads[a].Pdb!.Name, workloads[b].Pdb!.Name);
        });
        m.PdbOrder = [.. pdbs];
        int[] nsOrder = new int[m.Namespaces.Count];
        for (int i = 0; i < nsOrder.Length; i++)
        {
            nsOrder[i] = i;
        }

        Array.Sort(nsOrder, (a, b) => string.CompareOrdinal(m.Namespaces[a].Name, m.Namespaces[b].Name));
        m.NamespaceOrder = nsOrder;
        m.PriorityClasses.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return m;
    }

    /// <summary>EKS kube-reserved cpu: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four.</summary>
    private static long ReservedCpu(int cores)
    {
        long reserved = 0;
        for (int core = 1; core <= cores; core++)
        {
            reserved += core switch
            {
                1 => 60,
                2 => 10,
                3 or 4 => 5,
                _ => 0,
            };
        }

        // 2.5m per core above four, summed in tenths to stay integral.
        return reserved + (Math.Max(0, cores - 4) * 25 / 10);
    }

    private static int[] NamespaceKeyRanks(List<NamespaceSpec> namespaces)
    {
        int[] idx = new int[namespaces.Count];
        for (int i = 0; i < idx.Length; i++)
        {
            idx[i] = i;
        }

        Array.Sort(idx, (a, b) => string.CompareOrdinal(namespaces[a].Name + "/", namespaces[b].Name + "/"));
        int[] rank = new int[idx.Length];
        for (int r = 0; r < idx.Length; r++)
        {
            rank[idx[r]] = r;
        }

        return rank;
    }

    private void ComputeRequests(WorkloadSpec w)
    {
        Span<long> regular = stackalloc long[Dim.Count];
        Span<long> sidecars = stackalloc long[Dim.Count];
        Span<long> initMax = stackalloc long[Dim.Count];
        Span<long> current = stackalloc long[Dim.Count];
        regular.Clear();
        sidecars.Clear();
        initMax.Clear();
        foreach (ContainerSpec c in w.Containers)
        {
            if (c.Role == ContainerRole.Regular)
            {
                AddContainer(regular, c);
            }
        }

        foreach (ContainerSpec c in w.Containers)
        {
            if (c.Role == ContainerRole.Regular)
            {
                continue;
            }

            current.Clear();
            AddContainer(current, c);
            if (c.Role == ContainerRole.Sidecar)
            {
                AddContainer(regular, c);
                AddContainer(sidecars, c);
                sidecars.CopyTo(current);
            }
            else
            {
                for (int d = 0; d < Dim.Count; d++)
                {
                    current[d] += sidecars[d];
                }
            }

            for (int d = 0; d < Dim.Count; d++)
            {
                initMax[d] = Math.Max(initMax[d], current[d]);
            }
        }

        for (int d = 0; d < Dim.Count; d++)
        {
            w.Requests[d] = Math.Max(regular[d], initMax[d]);
        }

        w.Requests[Dim.Pods] = 1;
        w.QosClass = Qos(w.Containers);
    }

    private static void AddContainer(Span<long> target, ContainerSpec c)
    {
        // Requests default to limits when only limits are set.
        target[Dim.Cpu] += c.CpuMilli > 0 ? c.CpuMilli : c.CpuLimitMilli;
        target[Dim.Memory] += c.MemoryBytes > 0 ? c.MemoryBytes : c.MemoryLimitBytes;
        target[Dim.Gpu] += c.Gpus;
        target[Dim.Ephemeral] += c.EphemeralBytes;
    }

    private static string Qos(List<ContainerSpec> containers)
    {
        bool any = false;
        bool guaranteed = true;
        foreach (ContainerSpec c in containers)
        {
            if (c.HasResources)
            {
                any = true;
            }

            if (c.CpuLimitMilli == 0 || c.MemoryLimitBytes == 0
                || (c.CpuMilli != 0 && c.CpuMilli != c.CpuLimitMilli)
                || (c.MemoryBytes != 0 && c.MemoryBytes != c.MemoryLimitBytes))
            {
                guaranteed = false;
            }
        }

        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private void PlaceWorkload(int index, WorkloadSpec w)
    {
        _stampValue++;
        _podNames.Clear();
        ReadOnlySpan<long> requests = w.Requests;
        if (w.Kind == WorkloadKind.DaemonSet)
        {
            for (int n = 0; n < _model.Nodes.Count; n++)
            {
                NodeSpec node = _model.Nodes[n];
                bool fits = node.Fits(requests);
                if (fits)
                {
                    node.Add(requests);
                }

                AddPod(index, w, n, fits ? n : -1);
            }

            return;
        }

        int[][] lists = w.Pool >= 0 ? _byPool[w.Pool] : _untainted;
        int zones = _model.ZoneNames.Length;
        int zoneOffset = _rng.Next(zones);
        int coLeft = w.CoLocate >= 2 ? Math.Min(w.CoLocate, w.Replicas) : 0;
        int coNode = -1;
        bool strict = w.AntiAffinity == AntiAffinity.Required;
        for (int i = 0; i < w.Replicas; i++)
        {
            int node = -1;
            if (w.RunsToCompletion && w.BareState is PodState.Pending)
            {
                AddPod(index, w, i, -1);
                continue;
            }

            if (coLeft > 0)
            {
                if (coNode < 0)
                {
                    coNode = w.CoLocateNode >= 0 ? w.CoLocateNode : Pick(lists[0], requests, coLeft, strict: false);
                }

                if (coNode >= 0 && _model.Nodes[coNode].Fits(requests))
                {
                    node = coNode;
                    coLeft--;
                }
                else
                {
                    coLeft = 0;
                }
            }

            // Preferred nodes (the demo's hot nodes) take replicas, several if need be, until ~92% of cpu and memory.
            double lowest = double.MaxValue;
            foreach (int preferred in w.PreferNodes)
            {
                NodeSpec candidate = _model.Nodes[preferred];
                double share = candidate.Used[Dim.Cpu] / (double)candidate.Allocatable[Dim.Cpu];
                if (!strict && share < lowest && FitsBelow(candidate, requests, 0.92))
                {
                    node = preferred;
                    lowest = share;
                }
            }

            if (node < 0 && w.ZoneSpread)
            {
                // Round-robin over the zones that have eligible nodes keeps the skew at most 1.
                for (int t = 0; t < zones && node < 0; t++)
                {
                    int zone = (zoneOffset + i + t) % zones;
                    if (lists[zone + 1].Length > 0)
                    {
                        node = Pick(lists[zone + 1], requests, 1, strict);
                        break;
                    }
                }
            }

            if (node < 0)
            {
                node = Pick(lists[0], requests, 1, strict);
            }

            if (node >= 0)
            {
                _model.Nodes[node].Add(requests);
                _stamp[node] = _stampValue;
            }

            AddPod(index, w, i, node);
        }
    }

    private static bool FitsBelow(NodeSpec node, ReadOnlySpan<long> requests, double share) =>
        node.Fits(requests)
        && node.Used[Dim.Cpu] + requests[Dim.Cpu] <= node.Allocatable[Dim.Cpu] * share
        && node.Used[Dim.Memory] + requests[Dim.Memory] <= node.Allocatable[Dim.Memory] * share;

    private void AddPod(int workload, WorkloadSpec w, int ordinal, int node)
    {
        string name = w.Kind switch
        {
            WorkloadKind.StatefulSet => w.Name + "-" + ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture),
            WorkloadKind.Bare => w.Replicas == 1 ? w.Name : w.Name + "-" + ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => UniqueName(w.OwnerName + "-"),
        };

        PodState state = PodState.Running;
        int restarts = 0;
        if (node < 0)
        {
            state = PodState.Pending;
        }
        else if (w.RunsToCompletion)
        {
            state = w.BareState;
        }
        else if (ordinal < w.CrashLoopPods)
        {
            state = PodState.CrashLoop;
            restarts = 40 + _rng.Next(400);
        }
        else
        {
            double r = _rng.NextDouble();
            if (r < 0.005 && w.Kind != WorkloadKind.DaemonSet)
            {
                state = PodState.CrashLoop;
                restarts = 5 + _rng.Next(300);
            }
            else if (r < 0.08)
            {
                restarts = 1 + _rng.Next(r < 0.015 ? 40 : 3);
            }
        }

        int age = w.AgeSeconds - _rng.Next(Math.Max(1, w.AgeSeconds / 20));
        if (node >= 0)
        {
            int nodeAge = (int)(_model.NowUnix - _model.Nodes[node].CreatedUnix);
            age = w.Kind == WorkloadKind.DaemonSet ? nodeAge - 20 - _rng.Next(40) : Math.Min(age, nodeAge - 60 - _rng.Next(600));
        }

        int slot = _model.PodCount++;
        _model.Pods[slot] = new PodSlot
        {
            Workload = workload,
            Ordinal = ordinal,
            Node = node,
            Name = name,
            State = state,
            Restarts = restarts,
            AgeSeconds = Math.Max(30, age),
        };
    }

    private string UniqueName(string prefix)
    {
        while (true)
        {
            string name = prefix + RandomIds.Suffix(_ids, 5);
            if (_podNames.Add(name))
            {
                return name;
            }
        }
    }

    /// <summary>
    /// The least-filled node (relative to its fill target) that fits <paramref name="multiple"/> times the requests,
    /// preferring nodes this workload does not use yet; with <paramref name="strict"/> never a used one. Small lists
    /// are scanned whole (ties by index), large ones sampled with a scan as the fallback. -1 when nothing fits.
    /// </summary>
    private int Pick(int[] list, ReadOnlySpan<long> requests, int multiple, bool strict)
    {
        if (list.Length == 0)
        {
            return -1;
        }

        ReadOnlySpan<long> need = requests;
        if (multiple > 1)
        {
            for (int d = 0; d < Dim.Count; d++)
            {
                _scaled[d] = requests[d] * multiple;
            }

            need = _scaled;
        }

        for (int pass = 0; pass < (strict ? 1 : 2); pass++)
        {
            bool avoidUsed = pass == 0;
            int best = -1;
            double bestScore = double.MaxValue;
            if (list.Length <= FullScanLimit)
            {
                foreach (int n in list)
                {
                    Consider(n, need, avoidUsed, ref best, ref bestScore);
                }
            }
            else
            {
                for (int s = 0; s < Samples; s++)
                {
                    Consider(list[_rng.Next(list.Length)], need, avoidUsed, ref best, ref bestScore);
                }

                if (best < 0)
                {
                    int start = _rng.Next(list.Length);
                    for (int k = 0; k < list.Length && best < 0; k++)
                    {
                        Consider(list[(start + k) % list.Length], need, avoidUsed, ref best, ref bestScore);
                    }
                }
            }

            if (best >= 0)
            {
                return best;
            }
        }

        return -1;
    }

    private void Consider(int n, ReadOnlySpan<long> need, bool avoidUsed, ref int best, ref double bestScore)
    {
        if (avoidUsed && _stamp[n] == _stampValue)
        {
            return;
        }

        NodeSpec node = _model.Nodes[n];
        if (!node.Fits(need))
        {
            return;
        }

        double target = node.Heat switch
        {
            NodeHeat.Hot => 0.95,
            NodeHeat.Cold => 0.03,
            _ => _model.Options.FillTarget,
        };
        double cpu = (node.Used[Dim.Cpu] + need[Dim.Cpu]) / (node.Allocatable[Dim.Cpu] * target);
        double mem = (node.Used[Dim.Memory] + need[Dim.Memory]) / (node.Allocatable[Dim.Memory] * target);
        double score = Math.Max(cpu, mem);
        if (score < bestScore || (score == bestScore && n < best))
        {
            best = n;
            bestScore = score;
        }
    }
}
