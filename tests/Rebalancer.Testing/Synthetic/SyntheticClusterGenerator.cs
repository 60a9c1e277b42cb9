using System.Globalization;

namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// Writes a seeded synthetic cluster as kubectl prints it: a <c>v1 List</c> of Nodes, Pods, PodDisruptionBudgets,
/// Namespaces, PriorityClasses and the workload and housekeeping objects (<c>kubectl get nodes,pods,pdb,namespaces,
/// priorityclasses,deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,hpa,pv,pvc,limitranges,resourcequotas
/// -A -o json</c>), optionally
/// followed by NodeMetricsList and PodMetricsList documents. The JSON is streamed; only a compact plan (a few dozen bytes
/// per pod) is held in memory, so 150,000 pods take a few seconds. The same options always give the same bytes.
/// </summary>
public static class SyntheticClusterGenerator
{
    /// <summary>Bumped whenever the output for given options changes (benchmark caches key on it).</summary>
    public const int FormatVersion = 2;

    /// <summary>The node label naming a node's pool; tainted-pool workloads select it.</summary>
    public const string PoolLabel = "node-pool";

    public static void Write(SyntheticClusterOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ClusterModel model = Plan(options);
        KubectlJsonWriter.Write(model, output);
    }

    /// <summary>Writes the file (creating its directory) and returns its full path.</summary>
    public static string WriteToFile(SyntheticClusterOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        using (var stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Write(options, stream);
        }

        return full;
    }

    internal static ClusterModel Plan(SyntheticClusterOptions options)
    {
        Validate(options);
        (string Key, string Value)?[] taints = PoolTaints(options);
        var a = new ClusterAssembler(options, options.Pools, taints);
        Random rng = a.Rng;

        AddPriorityClasses(a.Model);
        AddNodes(options, a);
        a.SealNodes();
        MarkNodes(options, a);

        // System namespaces and the DaemonSets' namespaces.
        int kubeSystem = a.AddNamespace("kube-system", 400 * 86_400, false);
        a.AddNamespace("default", 400 * 86_400, false);
        a.AddNamespace("kube-public", 400 * 86_400, false);
        a.AddNamespace("kube-node-lease", 400 * 86_400, false);

        for (int d = 0; d < options.DaemonSets; d++)
        {
            Catalog.DaemonSetTemplate t = Catalog.DaemonSets[d % Catalog.DaemonSets.Length];
            int round = d / Catalog.DaemonSets.Length;
            int ns = a.FindNamespace(t.Namespace);
            if (ns < 0)
            {
                ns = a.AddNamespace(t.Namespace, 380 * 86_400, false, ("team", "platform"));
            }

            var ds = new WorkloadSpec
            {
                Kind = WorkloadKind.DaemonSet,
                Namespace = ns,
                Name = round == 0 ? t.Name : $"{t.Name}-{round + 1}",
                Replicas = options.Nodes,
                TolerateAll = true,
                HostPath = t.HostPath,
                HostNetwork = t.HostNetwork,
                PriorityClass = t.PriorityClass,
                Priority = PriorityOf(a.Model, t.PriorityClass),
                ServiceAccount = t.Name,
                Flavor = rng.Next(),
                AgeSeconds = (30 + rng.Next(200)) * 86_400,
                Version = Tag(t.Containers[^1].Image),
            };
            ds.Containers.AddRange(t.Containers);
            a.AddWorkload(ds);
        }

        AddCriticalAddons(options, a, kubeSystem);

        // Team namespaces and application workloads.
        int appPods = options.Pods - (options.DaemonSets * options.Nodes) - options.SystemCriticalPods - options.BarePods;
        int teamCount = Math.Clamp(appPods / 600, 3, 400);
        int[] teams = new int[teamCount];
        var nsWords = new string[teamCount];
        for (int t = 0; t < teamCount; t++)
        {
            string word = Catalog.Teams[t % Catalog.Teams.Length];
            int round = t / Catalog.Teams.Length;
            string name = round == 0 ? word
                : round <= Catalog.TeamQualifiers.Length ? $"{word}-{Catalog.TeamQualifiers[round - 1]}"
                : $"{word}-{round.ToString(CultureInfo.InvariantCulture)}";
            nsWords[t] = word;
            bool mesh = rng.NextDouble() < 0.1;
            teams[t] = a.AddNamespace(name, (120 + rng.Next(600)) * 86_400, mesh,
                ("team", word), ("environment", "production"), ("pod-security.kubernetes.io/enforce", "baseline"));
        }

        AddApplications(options, a, appPods, teams, nsWords);
        AddBarePods(options, a, teams);
        AddInventory(a, teams);

        a.Place();
        return a.Seal();
    }

    private static void Validate(SyntheticClusterOptions o)
    {
        if (o.Nodes < 1)
        {
            throw new ArgumentException("At least one node is needed.", nameof(o));
        }

        if (o.Zones is < 1 or > 15)
        {
            throw new ArgumentException("Zones must be between 1 and 15.", nameof(o));
        }

        if (o.Pools.Count == 0 || o.Pools.Any(p => p.Weight < 0 || p.Cpu < 1 || p.MemoryGi < 1 || p.InstanceTypes.Count == 0))
        {
            throw new ArgumentException("Every pool needs a positive size and at least one instance type.", nameof(o));
        }

        if (o.DaemonSets < 0 || o.SystemCriticalPods < 0 || o.BarePods < 0 || o.CordonedNodes < 0 || o.CordonedNodes > o.Nodes)
        {
            throw new ArgumentException("Counts must not be negative (and cordoned nodes at most the nodes).", nameof(o));
        }

        long fixedPods = ((long)o.DaemonSets * o.Nodes) + o.SystemCriticalPods + o.BarePods;
        if (fixedPods > o.Pods)
        {
            throw new ArgumentException(
                $"{o.Pods} pods cannot hold {o.DaemonSets} DaemonSets on {o.Nodes} nodes plus {o.SystemCriticalPods} system-critical and {o.BarePods} bare pods ({fixedPods}).",
                nameof(o));
        }
    }

    internal static (string Key, string Value)?[] PoolTaints(SyntheticClusterOptions o)
    {
        var taints = new (string Key, string Value)?[o.Pools.Count];
        int tainted = Math.Clamp((int)Math.Round(o.TaintedPoolFraction * o.Pools.Count, MidpointRounding.AwayFromZero), 0, o.Pools.Count);
        for (int p = 0; p < o.Pools.Count; p++)
        {
            SyntheticNodePool pool = o.Pools[p];
            if (pool.Taint is { } explicitTaint)
            {
                int eq = explicitTaint.IndexOf('=', StringComparison.Ordinal);
                taints[p] = eq < 0 ? (explicitTaint, string.Empty) : (explicitTaint[..eq], explicitTaint[(eq + 1)..]);
            }
            else if (p >= o.Pools.Count - tainted)
            {
                taints[p] = pool.Gpus > 0 ? ("nvidia.com/gpu", "true") : ("dedicated", pool.Name);
            }
        }

        if (taints.All(t => t is not null))
        {
            // Something must run the ordinary workloads: keep the first pool open.
            taints[0] = null;
        }

        return taints;
    }

    internal static void AddPriorityClasses(ClusterModel m)
    {
        m.PriorityClasses.Add(new("system-cluster-critical", 2_000_000_000, false, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."));
        m.PriorityClasses.Add(new("system-node-critical", 2_000_001_000, false, "Used for system critical pods that must not be moved from their current node."));
        m.PriorityClasses.Add(new("high-priority", 100_000, false, "Customer-facing services."));
        m.PriorityClasses.Add(new("low-priority", -100, false, "Batch and best-effort work; preempted first."));
    }

    internal static int PriorityOf(ClusterModel m, string? name) =>
        name is null ? 0 : m.PriorityClasses.First(p => p.Name == name).Value;

    private static void AddNodes(SyntheticClusterOptions o, ClusterAssembler a)
    {
        Random rng = a.Rng;
        // Largest-remainder split of the nodes over the pools by weight.
        double totalWeight = o.Pools.Sum(p => p.Weight);
        int[] counts = new int[o.Pools.Count];
        double[] remainders = new double[o.Pools.Count];
        int assigned = 0;
        for (int p = 0; p < counts.Length; p++)
        {
            double exact = totalWeight > 0 ? o.Nodes * o.Pools[p].Weight / totalWeight : (double)o.Nodes / counts.Length;
            counts[p] = (int)Math.Floor(exact);
            remainders[p] = exact - counts[p];
            assigned += counts[p];
        }

        while (assigned < o.Nodes)
        {
            int best = 0;
            for (int p = 1; p < counts.Length; p++)
            {
                if (remainders[p] > remainders[best])
                {
                    best = p;
                }
            }

            counts[best]++;
            remainders[best] = -1;
            assigned++;
        }

        int zone = 0;
        for (int p = 0; p < counts.Length; p++)
        {
            SyntheticNodePool pool = o.Pools[p];
            for (int i = 0; i < counts[p]; i++)
            {
                bool spot = pool.Spot ?? (rng.NextDouble() < o.SpotFraction);
                // Spot nodes churn: hours to a week old; on-demand nodes days to months.
                int age = spot ? 3_600 + rng.Next(7 * 86_400) : (2 * 86_400) + rng.Next(90 * 86_400);
                a.AddNode(p, zone, spot, age);
                zone = (zone + 1) % o.Zones;
            }
        }
    }

    private static void MarkNodes(SyntheticClusterOptions o, ClusterAssembler a)
    {
        Random rng = a.Rng;
        List<NodeSpec> nodes = a.Model.Nodes;
        int hot = (int)Math.Round(o.HotNodeFraction * nodes.Count, MidpointRounding.AwayFromZero);
        int[] untainted = [.. Enumerable.Range(0, nodes.Count).Where(n => a.Model.PoolTaints[nodes[n].Pool] is null)];
        Shuffle(rng, untainted);
        int k = 0;
        for (int i = 0; i < hot && k < untainted.Length; i++)
        {
            nodes[untainted[k++]].Heat = NodeHeat.Hot;
        }

        for (int i = 0; i < hot && k < untainted.Length; i++)
        {
            nodes[untainted[k++]].Heat = NodeHeat.Cold;
        }

        int[] all = [.. Enumerable.Range(0, nodes.Count)];
        Shuffle(rng, all);
        for (int i = 0; i < o.CordonedNodes; i++)
        {
            nodes[all[i]].Cordoned = true;
        }
    }

    private static void Shuffle(Random rng, int[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static void AddCriticalAddons(SyntheticClusterOptions o, ClusterAssembler a, int kubeSystem)
    {
        Random rng = a.Rng;
        int left = o.SystemCriticalPods;
        var replicas = new int[Catalog.CriticalAddons.Length];
        for (int i = 0; i < replicas.Length && left > 0; i++)
        {
            replicas[i] = Math.Min(left, Catalog.CriticalAddons[i].Replicas);
            left -= replicas[i];
        }

        // Large clusters scale coredns out (cluster-proportional-autoscaler).
        replicas[0] += left;
        for (int i = 0; i < replicas.Length; i++)
        {
            if (replicas[i] == 0)
            {
                continue;
            }

            Catalog.AddonTemplate t = Catalog.CriticalAddons[i];
            var w = new WorkloadSpec
            {
                Kind = WorkloadKind.Deployment,
                Namespace = kubeSystem,
                Name = t.Name,
                Replicas = replicas[i],
                PriorityClass = "system-cluster-critical",
                Priority = 2_000_000_000,
                TolerateCriticalAddons = true,
                AntiAffinity = t.AntiAffinity == AntiAffinity.Required && replicas[i] > a.UntaintedNodes ? AntiAffinity.Preferred : t.AntiAffinity,
                EmptyDir = t.EmptyDir,
                ServiceAccount = t.Name,
                Flavor = rng.Next(),
                AgeSeconds = (20 + rng.Next(100)) * 86_400,
                Version = Tag(t.Containers[0].Image),
                Pdb = t.Name is "coredns" or "karpenter" ? new PdbSpec { Name = t.Name, MinAvailable = false, Value = 1 } : null,
            };
            w.Containers.AddRange(t.Containers);
            a.AddWorkload(w);
        }
    }

    private static void AddApplications(SyntheticClusterOptions o, ClusterAssembler a, int appPods, int[] teams, string[] nsWords)
    {
        Random rng = a.Rng;
        ClusterModel m = a.Model;
        var used = new HashSet<string>[teams.Length];
        for (int t = 0; t < used.Length; t++)
        {
            used[t] = new HashSet<string>(StringComparer.Ordinal);
        }

        // Tainted pools take their share of the pods, so density stays even.
        var taintedPools = new List<int>();
        var openPools = new List<int>();
        for (int p = 0; p < m.Pools.Count; p++)
        {
            if (a.NodesInPool(p) == 0)
            {
                continue;
            }

            (m.PoolTaints[p] is null ? openPools : taintedPools).Add(p);
        }

        double perNode = appPods / (double)o.Nodes;
        double shrink = perNode > 35 ? 35 / perNode : 1;
        int profileWeight = Catalog.Profiles.Sum(p => p.Weight);
        var gpuLeft = new long[m.Pools.Count];
        foreach (NodeSpec node in m.Nodes)
        {
            gpuLeft[node.Pool] += node.Allocatable[Dim.Gpu];
        }

        int remaining = appPods;
        while (remaining > 0)
        {
            int team = rng.Next(teams.Length);
            bool sts = rng.NextDouble() < o.StatefulSetFraction;
            int replicas = Math.Min(remaining, sts ? DrawStatefulReplicas(rng) : DrawReplicas(rng));
            remaining -= replicas;

            int pool = -1;
            double roll = rng.NextDouble();
            double acc = 0;
            foreach (int p in taintedPools)
            {
                acc += a.NodesInPool(p) / (double)m.Nodes.Count;
                if (roll < acc)
                {
                    pool = p;
                    break;
                }
            }

            if (pool < 0 && openPools.Count > 1 && rng.NextDouble() < 0.1)
            {
                pool = openPools[rng.Next(openPools.Count)];
            }

            bool gpuPool = pool >= 0 && m.Pools[pool].Gpus > 0;
            string baseName = sts ? Catalog.StatefulComponents[rng.Next(Catalog.StatefulComponents.Length)]
                : gpuPool ? Catalog.GpuComponents[rng.Next(Catalog.GpuComponents.Length)]
                : nsWords[team] + "-" + Catalog.Components[rng.Next(Catalog.Components.Length)];
            string name = baseName;
            for (int n = 2; !used[team].Add(name); n++)
            {
                name = baseName + "-" + n.ToString(CultureInfo.InvariantCulture);
            }

            var w = new WorkloadSpec
            {
                Kind = sts ? WorkloadKind.StatefulSet : WorkloadKind.Deployment,
                Namespace = teams[team],
                Name = name,
                Replicas = replicas,
                Pool = pool,
                PoolViaAffinity = pool >= 0 && rng.NextDouble() < 0.4,
                Pvc = sts,
                Mesh = m.Namespaces[teams[team]].Mesh && !sts,
                Flavor = rng.Next(),
                ServiceAccount = name,
                AgeSeconds = 3_600 + rng.Next(60 * 86_400),
                Version = $"{1 + rng.Next(3)}.{rng.Next(40)}.{rng.Next(12)}",
            };

            // StatefulSets run a public image (postgres, redis…) and take its tag as their version.
            string image = sts
                ? Catalog.StatefulImages[Array.IndexOf(Catalog.StatefulComponents, baseName)]
                : $"{Catalog.EcrAccount}/{nsWords[team]}/{baseName}:v{w.Version}";
            if (sts)
            {
                w.Version = Tag(image);
            }

            double feature = rng.NextDouble();
            if (!sts && replicas >= 2 && feature < o.DuplicateFraction)
            {
                w.CoLocate = 2 + rng.Next(Math.Min(3, replicas - 1));
            }
            else
            {
                int eligible = pool >= 0 ? a.NodesInPool(pool) : a.UntaintedNodes;
                if (rng.NextDouble() < o.AntiAffinityFraction || (sts && rng.NextDouble() < 0.5))
                {
                    w.AntiAffinity = replicas * 2 <= eligible ? AntiAffinity.Required : AntiAffinity.Preferred;
                }

                if (replicas >= 2 && rng.NextDouble() < o.TopologySpreadFraction)
                {
                    w.ZoneSpread = true;
                }
            }

            w.EmptyDir = rng.NextDouble() < o.EmptyDirFraction;
            double protectedRoll = rng.NextDouble();
            w.SafeToEvictFalse = protectedRoll < o.ProtectedFraction;
            w.DoNotDisrupt = protectedRoll >= o.ProtectedFraction && protectedRoll < 2 * o.ProtectedFraction;
            double prio = rng.NextDouble();
            w.PriorityClass = prio < 0.15 || (sts && prio < 0.5) ? "high-priority" : prio > 0.9 ? "low-priority" : null;
            w.Priority = PriorityOf(m, w.PriorityClass);

            AddAppContainers(rng, w, sts, baseName, image, shrink, profileWeight, gpuPool && gpuLeft[pool] >= replicas && rng.NextDouble() < 0.6);
            if (w.Containers.Any(c => c.Gpus > 0))
            {
                gpuLeft[pool] -= replicas;
            }

            if (rng.NextDouble() < o.PdbFraction)
            {
                w.Pdb = DrawPdb(rng, name, replicas, sts);
            }

            a.AddWorkload(w);
        }
    }

    /// <summary>
    /// Revision history, volume sizes, HPAs, LimitRanges, ResourceQuotas and CronJobs, drawn from the inventory generator
    /// so the pods are the same with or without them. CronJobs clean up after themselves (ttlSecondsAfterFinished), so
    /// they have no Jobs left and add no pods.
    /// </summary>
    private static void AddInventory(ClusterAssembler a, int[] teams)
    {
        Random rng = a.InventoryRng;
        ClusterModel m = a.Model;
        int[] sizes = [10, 20, 50, 100];
        for (int i = 0; i < m.Workloads.Count; i++)
        {
            WorkloadSpec w = m.Workloads[i];
            switch (w.Kind)
            {
                case WorkloadKind.Deployment:
                    double r = rng.NextDouble();
                    w.OldRevisions = r < 0.5 ? 0 : r < 0.85 ? 1 : 2;
                    if (w.Replicas >= 3 && rng.NextDouble() < 0.25)
                    {
                        m.Inventory.Hpas.Add(new HpaSpec(i, Math.Max(2, w.Replicas / 2), w.Replicas * 3, 60 + (5 * rng.Next(5)),
                            MemoryAverageBytes: rng.NextDouble() < 0.2 ? (256L << 20) * (1 + rng.Next(4)) : 0));
                    }

                    break;
                case WorkloadKind.StatefulSet:
                    w.StorageGi = sizes[rng.Next(sizes.Length)];
                    break;
            }
        }

        string[] schedules = ["0 * * * *", "*/15 * * * *", "30 2 * * *", "0 6 * * 1", "5 0 1 * *"];
        foreach (int team in teams)
        {
            if (rng.NextDouble() < 0.5)
            {
                m.Inventory.LimitRanges.Add(team);
            }

            if (rng.NextDouble() < 0.4)
            {
                m.Inventory.Quotas.Add((team, 1.2 + (0.2 * rng.Next(5))));
            }

            if (rng.NextDouble() < 0.6)
            {
                string name = m.Namespaces[team].Name + "-" + Catalog.CronJobNames[rng.Next(Catalog.CronJobNames.Length)];
                m.Inventory.CronJobs.Add(new CronJobSpec
                {
                    Namespace = team,
                    Name = name,
                    Schedule = schedules[rng.Next(schedules.Length)],
                    Suspend = rng.NextDouble() < 0.1,
                    JobTtlSecondsAfterFinished = 3_600,
                    AgeSeconds = (30 + rng.Next(300)) * 86_400,
                    LastScheduleAgo = 60 + rng.Next(86_400),
                    Container = new ContainerSpec
                    {
                        Name = "job",
                        Image = $"{Catalog.EcrAccount}/{m.Namespaces[team].Name}/{name}:v1.{rng.Next(20)}.0",
                        CpuMilli = 100 * (1 + rng.Next(10)),
                        MemoryBytes = (128L << 20) * (1 + rng.Next(8)),
                    },
                });
            }
        }
    }

    private static int DrawReplicas(Random rng)
    {
        double r = rng.NextDouble();
        return r switch
        {
            < 0.10 => 1,
            < 0.35 => 2,
            < 0.60 => 3,
            < 0.80 => 4 + rng.Next(3),
            < 0.92 => 7 + rng.Next(6),
            < 0.98 => 13 + rng.Next(28),
            _ => 41 + rng.Next(80),
        };
    }

    private static int DrawStatefulReplicas(Random rng)
    {
        double r = rng.NextDouble();
        return r switch
        {
            < 0.15 => 1,
            < 0.30 => 2,
            < 0.80 => 3,
            _ => 5,
        };
    }

    private static PdbSpec DrawPdb(Random rng, string name, int replicas, bool sts)
    {
        double r = rng.NextDouble();
        bool expressions = rng.NextDouble() < 0.1;
        bool alwaysAllow = rng.NextDouble() < 0.1;
        int generation = rng.NextDouble() < 0.2 ? 2 : 1;
        string pdbName = sts || rng.NextDouble() < 0.5 ? name : name + "-pdb";
        return r switch
        {
            < 0.30 => new PdbSpec { Name = pdbName, MinAvailable = false, Value = 1, Expressions = expressions, AlwaysAllow = alwaysAllow, Generation = generation },
            < 0.50 => new PdbSpec { Name = pdbName, MinAvailable = false, Value = 25, Percent = true, Expressions = expressions, AlwaysAllow = alwaysAllow, Generation = generation },
            < 0.75 => new PdbSpec { Name = pdbName, MinAvailable = true, Value = Math.Max(1, replicas - 1), Expressions = expressions, AlwaysAllow = alwaysAllow, Generation = generation },
            _ => new PdbSpec { Name = pdbName, MinAvailable = true, Value = rng.NextDouble() < 0.5 ? 50 : 80, Percent = true, Expressions = expressions, AlwaysAllow = alwaysAllow, Generation = generation },
        };
    }

    internal static string Tag(string image) => image[(image.LastIndexOf(':') + 1)..];

    private static void AddAppContainers(Random rng, WorkloadSpec w, bool sts, string baseName, string image, double shrink, int profileWeight, bool gpu)
    {
        int pick = rng.Next(profileWeight);
        (int cpu, int memMi, _) = Catalog.Profiles[^1];
        foreach ((int c, int mm, int weight) in Catalog.Profiles)
        {
            if (pick < weight)
            {
                (cpu, memMi) = (c, mm);
                break;
            }

            pick -= weight;
        }

        long cpuMilli = Math.Max(10, (long)(cpu * shrink));
        long mem = Math.Max(16, (long)(memMi * shrink)) * Catalog.Mi;
        double qos = rng.NextDouble();
        bool bestEffort = qos < 0.03 && !gpu;
        bool guaranteed = !bestEffort && qos < 0.18;
        long cpuLimit = bestEffort ? 0 : guaranteed ? cpuMilli : rng.NextDouble() < 0.6 ? 0 : cpuMilli * 2;
        long memLimit = bestEffort ? 0 : guaranteed ? mem : mem * (rng.NextDouble() < 0.5 ? 1 : 2);
        if (rng.NextDouble() < 0.1 && !bestEffort)
        {
            int init = rng.Next(Catalog.InitNames.Length);
            w.Containers.Add(new ContainerSpec
            {
                Name = Catalog.InitNames[init],
                Image = init == 1 ? "docker.io/library/busybox:1.36" : image,
                Role = ContainerRole.Init,
                CpuMilli = guaranteed ? cpuMilli : Math.Max(10, cpuMilli / 2),
                MemoryBytes = guaranteed ? mem : Math.Max(16 * Catalog.Mi, mem / 2),
                CpuLimitMilli = guaranteed ? cpuMilli : 0,
                MemoryLimitBytes = guaranteed ? mem : 0,
            });
        }

        if (w.Mesh)
        {
            w.Containers.Add(new ContainerSpec
            {
                Name = "istio-init",
                Image = Catalog.IstioProxy,
                Role = ContainerRole.Init,
                CpuMilli = 100,
                MemoryBytes = 128 * Catalog.Mi,
                CpuLimitMilli = 2000,
                MemoryLimitBytes = 1024 * Catalog.Mi,
            });
        }

        if (rng.NextDouble() < 0.05 && !bestEffort)
        {
            w.Containers.Add(new ContainerSpec
            {
                Name = "log-shipper",
                Image = "cr.fluentbit.io/fluent/fluent-bit:3.1.9",
                Role = ContainerRole.Sidecar,
                CpuMilli = 20,
                MemoryBytes = 32 * Catalog.Mi,
                MemoryLimitBytes = 64 * Catalog.Mi,
            });
        }

        w.Containers.Add(new ContainerSpec
        {
            Name = sts ? baseName : "app",
            Image = image,
            CpuMilli = bestEffort ? 0 : cpuMilli,
            MemoryBytes = bestEffort ? 0 : mem,
            CpuLimitMilli = cpuLimit,
            MemoryLimitBytes = memLimit,
            Gpus = gpu ? 1 : 0,
            EphemeralBytes = w.EmptyDir && rng.NextDouble() < 0.3 ? (1 + rng.Next(2)) * Catalog.Gi : 0,
            Port = sts ? 5432 + rng.Next(4000) : 8080,
        });

        if (rng.NextDouble() < 0.06 && !bestEffort)
        {
            int extra = rng.Next(Catalog.ExtraContainers.Length);
            w.Containers.Add(new ContainerSpec
            {
                Name = Catalog.ExtraContainers[extra],
                Image = Catalog.ExtraImages[extra],
                CpuMilli = 50,
                MemoryBytes = 64 * Catalog.Mi,
                CpuLimitMilli = guaranteed ? 50 : 0,
                MemoryLimitBytes = guaranteed ? 64 * Catalog.Mi : 128 * Catalog.Mi,
                Port = 9102,
            });
        }

        if (w.Mesh)
        {
            w.Containers.Add(new ContainerSpec
            {
                Name = "istio-proxy",
                Image = Catalog.IstioProxy,
                CpuMilli = 100,
                MemoryBytes = 128 * Catalog.Mi,
                CpuLimitMilli = 2000,
                MemoryLimitBytes = 1024 * Catalog.Mi,
                Port = 15090,
            });
        }
    }

    private static void AddBarePods(SyntheticClusterOptions o, ClusterAssembler a, int[] teams)
    {
        Random rng = a.Rng;
        for (int i = 0; i < o.BarePods; i++)
        {
            int k = i % Catalog.BarePodNames.Length;
            var w = new WorkloadSpec
            {
                Kind = WorkloadKind.Bare,
                Namespace = teams[rng.Next(teams.Length)],
                Name = Catalog.BarePodNames[k] + "-" + RandomIds.Suffix(a.Ids, 5),
                Replicas = 1,
                Flavor = rng.Next(),
                AgeSeconds = 600 + rng.Next(10 * 86_400),
                BareState = (i % 5) switch
                {
                    2 => PodState.Succeeded,
                    4 => PodState.Failed,
                    _ => PodState.Running,
                },
                Version = Tag(Catalog.BarePodImages[k]),
            };
            w.Containers.Add(new ContainerSpec { Name = Catalog.BarePodNames[k], Image = Catalog.BarePodImages[k], CpuMilli = 50, MemoryBytes = 64 * Catalog.Mi });
            a.AddWorkload(w);
        }
    }
}
