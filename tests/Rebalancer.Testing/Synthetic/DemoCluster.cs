namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// The hand-designed demo snapshot committed as <c>samples/demo-cluster.json</c>: a 50-node EKS cluster in three zones
/// with on-demand and spot pools, team namespaces, duplicates for RemoveDuplicates, protected pods of every kind, one
/// blocking PDB, hot, cold and cordoned nodes, and metrics. Deterministic: regenerating gives the same bytes.
/// </summary>
public static class DemoCluster
{
    public const int Seed = 20_250_602;

    private const long Mi = Catalog.Mi;

    // Pool indices of DemoPools.
    private const int General = 0;
    private const int GeneralSpot = 1;
    private const int Memory = 2;
    private const int ComputeSpot = 3;
    private const int Gpu = 4;
    private const int SystemPool = 5;

    private static readonly (int Pool, int Nodes)[] PoolSizes =
        [(General, 12), (GeneralSpot, 20), (Memory, 6), (ComputeSpot, 6), (Gpu, 2), (SystemPool, 4)];

    /// <summary>Node pools of the demo (their order is the pool index above).</summary>
    public static IReadOnlyList<SyntheticNodePool> Pools { get; } =
    [
        new() { Name = "general", InstanceTypes = ["m6i.xlarge"], Cpu = 4, MemoryGi = 16, ManagedNodeGroup = true, Spot = false, MaxPods = 58 },
        new() { Name = "general-spot", InstanceTypes = ["m6i.xlarge", "m5.xlarge", "m6a.xlarge", "m7i.xlarge"], Cpu = 4, MemoryGi = 16, Spot = true, MaxPods = 58 },
        new() { Name = "memory", InstanceTypes = ["r6i.xlarge"], Cpu = 4, MemoryGi = 32, Spot = false, MaxPods = 58 },
        new() { Name = "compute-spot", InstanceTypes = ["c6i.2xlarge", "c7i.2xlarge"], Cpu = 8, MemoryGi = 16, Spot = true, MaxPods = 58 },
        new() { Name = "gpu", InstanceTypes = ["g5.xlarge"], Cpu = 4, MemoryGi = 16, Gpus = 1, Spot = false, MaxPods = 58, Taint = "nvidia.com/gpu=true" },
        new() { Name = "system", InstanceTypes = ["m6i.large"], Cpu = 2, MemoryGi = 8, ManagedNodeGroup = true, Spot = false, MaxPods = 29, Taint = "CriticalAddonsOnly=true" },
    ];

    /// <summary>Writer settings of the demo: realistic, 2-space indent, no managedFields (kubectl hides them), metrics appended.</summary>
    public static SyntheticClusterOptions Options { get; } = new()
    {
        Nodes = 50,
        Seed = Seed,
        Pools = Pools,
        TaintedPoolFraction = 0,
        FillTarget = 0.75,
        Realism = true,
        ManagedFields = false,
        Indented = true,
        IndentSize = 2,
        IncludeMetrics = true,
    };

    public static void Write(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        KubectlJsonWriter.Write(Build(), output);
    }

    public static string WriteToFile(string path)
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
            Write(stream);
        }

        return full;
    }

    internal static ClusterModel Build()
    {
        SyntheticClusterOptions o = Options;
        var a = new ClusterAssembler(o, Pools, SyntheticClusterGenerator.PoolTaints(o));
        Random rng = a.Rng;
        ClusterModel m = a.Model;
        SyntheticClusterGenerator.AddPriorityClasses(m);

        int zone = 0;
        foreach ((int pool, int count) in PoolSizes)
        {
            for (int i = 0; i < count; i++)
            {
                bool spot = Pools[pool].Spot ?? false;
                int age = spot ? 7_200 + rng.Next(5 * 86_400) : (20 * 86_400) + rng.Next(60 * 86_400);
                a.AddNode(pool, zone, spot, age);
                zone = (zone + 1) % o.Zones;
            }
        }

        a.SealNodes();
        List<NodeSpec> nodes = m.Nodes;
        int NodeOf(int pool, int z, int skip = 0) =>
            Enumerable.Range(0, nodes.Count).Where(n => nodes[n].Pool == pool && nodes[n].Zone == z).Skip(skip).First();

        // Two hot spot nodes, two nearly idle nodes, one cordoned node (still running its pods).
        int hotA = NodeOf(GeneralSpot, 0);
        int hotB = NodeOf(GeneralSpot, 1);
        nodes[hotA].Heat = NodeHeat.Hot;
        nodes[hotB].Heat = NodeHeat.Hot;
        nodes[NodeOf(General, 2)].Heat = NodeHeat.Cold;
        nodes[NodeOf(ComputeSpot, 1)].Heat = NodeHeat.Cold;
        nodes[NodeOf(General, 1)].Cordoned = true;

        int kubeSystem = a.AddNamespace("kube-system", 420 * 86_400, false);
        a.AddNamespace("default", 420 * 86_400, false);
        a.AddNamespace("kube-public", 420 * 86_400, false);
        a.AddNamespace("kube-node-lease", 420 * 86_400, false);
        int monitoring = a.AddNamespace("monitoring", 410 * 86_400, false, ("team", "platform"));
        int logging = a.AddNamespace("logging", 410 * 86_400, false, ("team", "platform"));
        int shop = Team(a, "shop", 300, false);
        int payments = Team(a, "payments", 280, false);
        int search = Team(a, "search", 260, false);
        int identity = Team(a, "identity", 240, true);
        int data = Team(a, "data", 350, false);
        int ml = Team(a, "ml", 90, false);
        int analytics = Team(a, "analytics", 150, false);

        // DaemonSets: one pod on every node.
        foreach (string ds in new[] { "kube-proxy", "aws-node", "node-exporter", "fluent-bit" })
        {
            Catalog.DaemonSetTemplate t = Catalog.DaemonSets.First(d => d.Name == ds);
            var w = new WorkloadSpec
            {
                Kind = WorkloadKind.DaemonSet,
                Namespace = t.Namespace switch { "monitoring" => monitoring, "logging" => logging, _ => kubeSystem },
                Name = t.Name,
                Replicas = nodes.Count,
                TolerateAll = true,
                HostPath = t.HostPath,
                HostNetwork = t.HostNetwork,
                PriorityClass = t.PriorityClass,
                Priority = SyntheticClusterGenerator.PriorityOf(m, t.PriorityClass),
                ServiceAccount = t.Name,
                Flavor = rng.Next(),
                AgeSeconds = 120 * 86_400,
                Version = SyntheticClusterGenerator.Tag(t.Containers[^1].Image),
            };
            w.Containers.AddRange(t.Containers);
            a.AddWorkload(w);
        }

        // kube-system add-ons (system-cluster-critical).
        foreach (Catalog.AddonTemplate t in Catalog.CriticalAddons)
        {
            bool onSystemPool = t.Name is "coredns" or "karpenter" or "ebs-csi-controller";
            var w = new WorkloadSpec
            {
                Kind = WorkloadKind.Deployment,
                Namespace = kubeSystem,
                Name = t.Name,
                Replicas = t.Replicas,
                Pool = onSystemPool ? SystemPool : -1,
                TolerateCriticalAddons = !onSystemPool,
                PriorityClass = "system-cluster-critical",
                Priority = 2_000_000_000,
                AntiAffinity = t.AntiAffinity,
                EmptyDir = t.EmptyDir,
                ServiceAccount = t.Name,
                Flavor = rng.Next(),
                AgeSeconds = 60 * 86_400,
                Version = SyntheticClusterGenerator.Tag(t.Containers[0].Image),
                Pdb = t.Name is "coredns" or "karpenter" ? new PdbSpec { Name = t.Name, Value = 1 } : null,
            };
            w.Containers.AddRange(t.Containers);
            a.AddWorkload(w);
        }

        // monitoring
        Sts(a, monitoring, "prometheus-k8s", 2, 1000, 3072, "quay.io/prometheus/prometheus:v2.54.1", w =>
        {
            w.Pool = Memory;
            w.AntiAffinity = AntiAffinity.Required;
            w.PriorityClass = "high-priority";
            w.Pdb = new PdbSpec { Name = "prometheus-k8s", MinAvailable = true, Value = 1 };
        });
        Sts(a, monitoring, "alertmanager-main", 3, 100, 256, "quay.io/prometheus/alertmanager:v0.27.0", w =>
            w.Pdb = new PdbSpec { Name = "alertmanager-main", Value = 1 });
        Deploy(a, monitoring, "grafana", 1, 250, 512, w =>
        {
            w.EmptyDir = true;
            w.SafeToEvictFalse = true;
        }, "docker.io/grafana/grafana:11.2.2");
        Deploy(a, monitoring, "kube-state-metrics", 1, 100, 256, null, "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0");

        // shop: the main duplicate cases.
        Deploy(a, shop, "storefront", 16, 250, 512, w =>
        {
            w.CoLocate = 4;
            w.CoLocateNode = hotA;
            w.Pdb = new PdbSpec { Name = "storefront", Value = 25, Percent = true };
        });
        Deploy(a, shop, "catalog-api", 10, 250, 512, w =>
        {
            w.CoLocate = 3;
            w.Pdb = new PdbSpec { Name = "catalog-api-pdb", MinAvailable = true, Value = 50, Percent = true };
        });
        Deploy(a, shop, "cart", 8, 200, 256, w =>
        {
            w.ZoneSpread = true;
            w.Pdb = new PdbSpec { Name = "cart", Value = 1 };
        });
        Deploy(a, shop, "checkout", 6, 500, 768, w => w.PreferNodes = [hotB, hotA]);
        Deploy(a, shop, "web-frontend", 10, 200, 256, w => w.PreferNodes = [hotA, hotB]);
        Deploy(a, shop, "recommendations", 4, 1000, 2048, w =>
        {
            w.Pool = ComputeSpot;
            w.CoLocate = 2;
        });
        Deploy(a, shop, "image-resizer", 3, 500, 512, w =>
        {
            w.EmptyDir = true;
            w.CoLocate = 2;
        });
        Bare(a, shop, "debug-shell", "docker.io/nicolaka/netshoot:v0.13", PodState.Running);

        // payments: a blocking PDB, a do-not-disrupt pair, required anti-affinity with zone spread.
        Deploy(a, payments, "payments-api", 6, 500, 1024, w =>
        {
            w.ZoneSpread = true;
            w.AntiAffinity = AntiAffinity.Required;
            w.PriorityClass = "high-priority";
            w.Pdb = new PdbSpec { Name = "payments-api", Value = 1 };
        });
        Deploy(a, payments, "fraud-scorer", 4, 1000, 2048, w =>
        {
            w.CoLocate = 2;
            w.Pdb = new PdbSpec { Name = "fraud-scorer", MinAvailable = true, Value = 3 };
        });
        Deploy(a, payments, "ledger-writer", 1, 250, 512, w =>
        {
            w.PriorityClass = "high-priority";
            w.Pdb = new PdbSpec { Name = "ledger-writer", MinAvailable = true, Value = 1 };
        });
        Deploy(a, payments, "settlement-batch", 2, 500, 1024, w =>
        {
            w.CoLocate = 2;
            w.DoNotDisrupt = true;
        });
        Deploy(a, payments, "refunds-worker", 4, 250, 512, null);
        Deploy(a, payments, "payments-gateway", 3, 250, 384, w => w.AntiAffinity = AntiAffinity.Preferred);

        // search
        Sts(a, search, "elasticsearch", 3, 1500, 8192, "docker.elastic.co/elasticsearch/elasticsearch:8.15.3", w =>
        {
            w.Pool = Memory;
            w.AntiAffinity = AntiAffinity.Required;
            w.PriorityClass = "high-priority";
            w.Pdb = new PdbSpec { Name = "elasticsearch", Value = 1 };
        });
        Deploy(a, search, "search-api", 8, 500, 1024, w =>
        {
            w.CoLocate = 3;
            w.Pdb = new PdbSpec { Name = "search-api", Value = 25, Percent = true, Expressions = true };
        });
        Deploy(a, search, "indexer", 2, 1000, 2048, w =>
        {
            w.EmptyDir = true;
            w.PriorityClass = "low-priority";
        });
        Deploy(a, search, "autocomplete", 6, 200, 256, w => w.PreferNodes = [hotB]);

        // identity runs in the mesh: its pods carry istio's emptyDir volumes.
        Deploy(a, identity, "auth-api", 3, 250, 512, w =>
        {
            w.AntiAffinity = AntiAffinity.Required;
            w.Pdb = new PdbSpec { Name = "auth-api", MinAvailable = true, Value = 2 };
        });
        Deploy(a, identity, "token-service", 4, 250, 256, w => w.CoLocate = 2);
        Sts(a, identity, "session-store", 3, 250, 1024, "docker.io/bitnami/redis:7.4.1", null);

        // data
        Sts(a, data, "postgres", 2, 1000, 6144, "docker.io/bitnami/postgresql:16.4.0", w =>
        {
            w.Pool = Memory;
            w.AntiAffinity = AntiAffinity.Required;
            w.PriorityClass = "high-priority";
            w.Pdb = new PdbSpec { Name = "postgres", Value = 1, AlwaysAllow = true };
        });
        Sts(a, data, "kafka", 3, 1000, 4096, "docker.io/bitnami/kafka:3.8.0", w =>
        {
            w.ZoneSpread = true;
            w.AntiAffinity = AntiAffinity.Required;
            w.Pdb = new PdbSpec { Name = "kafka", Value = 1 };
        });
        Sts(a, data, "zookeeper", 3, 250, 1024, "docker.io/bitnami/zookeeper:3.9.2", w => w.AntiAffinity = AntiAffinity.Preferred);

        // ml: GPU serving on the tainted pool, a crash-looping pipeline.
        Deploy(a, ml, "model-serving", 2, 2000, 8192, w =>
        {
            w.Pool = Gpu;
            w.PoolViaAffinity = true;
            w.Containers[^1] = w.Containers[^1] with { Gpus = 1 };
        });
        Deploy(a, ml, "feature-pipeline", 3, 500, 2048, w =>
        {
            w.EmptyDir = true;
            w.PriorityClass = "low-priority";
            w.CrashLoopPods = 1;
        });

        // analytics: a report job too big for any node stays Pending.
        Deploy(a, analytics, "report-generator", 1, 12_000, 8192, w => w.PriorityClass = "low-priority");
        Deploy(a, analytics, "dashboards", 2, 250, 512, null);
        Bare(a, analytics, "adhoc-export", "docker.io/library/postgres:16", PodState.Succeeded);

        AddInventory(a, shop, payments, search, data, analytics);
        foreach (WorkloadSpec w in m.Workloads)
        {
            w.Priority = SyntheticClusterGenerator.PriorityOf(m, w.PriorityClass);
        }

        a.Place();
        return a.Seal();
    }

    /// <summary>
    /// What the pods imply beyond themselves (Deployments and their ReplicaSets, with some old revisions; StatefulSets with
    /// their claims and volumes; DaemonSets), and the housekeeping objects an operator has: HPAs, CronJobs and their Jobs,
    /// LimitRanges and ResourceQuotas in some team namespaces, a leftover volume and an unused claim. Everything here draws
    /// from the assembler's inventory and late-id generators and the Jobs come last, so the pods that were in the demo
    /// before keep their names, uids, nodes and usage, and the demo plan its evictions.
    /// </summary>
    private static void AddInventory(ClusterAssembler a, int shop, int payments, int search, int data, int analytics)
    {
        ClusterModel m = a.Model;
        Random rng = a.InventoryRng;
        WorkloadSpec Workload(string name) => m.Workloads.Single(w => w.Name == name);
        int Index(string name) => m.Workloads.FindIndex(w => w.Name == name);
        foreach (WorkloadSpec w in m.Workloads.Where(w => w.Kind == WorkloadKind.Deployment))
        {
            w.OldRevisions = rng.Next(3);
        }

        foreach ((string name, int gi) in new[] { ("prometheus-k8s", 100), ("alertmanager-main", 10), ("elasticsearch", 200), ("session-store", 8), ("postgres", 50), ("kafka", 100), ("zookeeper", 10) })
        {
            Workload(name).StorageGi = gi;
        }

        InventorySpec inventory = m.Inventory;
        inventory.Hpas.Add(new HpaSpec(Index("storefront"), 12, 40, 70));
        inventory.Hpas.Add(new HpaSpec(Index("catalog-api"), 6, 20, 60, MemoryAverageBytes: 400 * Mi));
        inventory.Hpas.Add(new HpaSpec(Index("search-api"), 6, 16, 75));
        inventory.Hpas.Add(new HpaSpec(Index("checkout"), 4, 12, 65, Container: "app"));
        inventory.LimitRanges.AddRange([shop, payments, search]);
        inventory.Quotas.AddRange([(shop, 1.5), (payments, 1.3), (data, 1.2)]);

        // A Released volume kept by its Retain policy after its claim went with a scaled-down replica, and a claim no pod mounts.
        inventory.Volumes.Add(new ExtraVolumeSpec(search, "data-elasticsearch-3", 200, ClaimExists: false, "Released", 40 * 86_400, "Retain"));
        inventory.Volumes.Add(new ExtraVolumeSpec(analytics, "export-scratch", 500, ClaimExists: true, "Bound", 75 * 86_400, "Delete"));

        var report = new ContainerSpec { Name = "report", Image = $"{Catalog.EcrAccount}/analytics/nightly-report:v3.1.0", CpuMilli = 500, MemoryBytes = 1024 * Mi, MemoryLimitBytes = 1024 * Mi };
        inventory.CronJobs.Add(new CronJobSpec
        {
            Namespace = analytics, Name = "nightly-report", Schedule = "0 2 * * *", SuccessfulJobsHistoryLimit = 3, AgeSeconds = 140 * 86_400,
            LastScheduleAgo = 7 * 3_600, Container = report,
        });
        inventory.CronJobs.Add(new CronJobSpec
        {
            Namespace = shop, Name = "cache-warmer", Schedule = "*/30 * * * *", Suspend = true, AgeSeconds = 200 * 86_400, LastScheduleAgo = 41 * 86_400,
            Container = new ContainerSpec { Name = "warm", Image = $"{Catalog.EcrAccount}/shop/cache-warmer:v1.4.2", CpuMilli = 100, MemoryBytes = 128 * Mi },
        });
        inventory.CronJobs.Add(new CronJobSpec
        {
            Namespace = payments, Name = "ledger-reconcile", Schedule = "15 * * * *", JobTtlSecondsAfterFinished = 3_600, AgeSeconds = 90 * 86_400,
            LastScheduleAgo = 45 * 60,
            Container = new ContainerSpec { Name = "reconcile", Image = $"{Catalog.EcrAccount}/payments/ledger-reconcile:v2.0.7", CpuMilli = 250, MemoryBytes = 256 * Mi },
        });

        // The nightly report's last three runs (its history limit) with their completed pods; a migration Job finished
        // weeks ago that nothing cleans up; a failed re-index.
        long now = m.NowUnix;
        foreach (int daysAgo in new[] { 2, 1, 0 })
        {
            int age = (daysAgo * 86_400) + (7 * 3_600);
            Job(a, analytics, $"nightly-report-{(now - age) / 60}", report, age, 25 * 60, PodState.Succeeded, "nightly-report", null);
        }

        Job(a, payments, "db-migrate-v42", new ContainerSpec { Name = "migrate", Image = $"{Catalog.EcrAccount}/payments/db-migrate:v42", CpuMilli = 200, MemoryBytes = 256 * Mi },
            45 * 86_400, 3 * 60, PodState.Succeeded, null, null);
        Job(a, search, "reindex-products", new ContainerSpec { Name = "reindex", Image = $"{Catalog.EcrAccount}/search/reindex:v7.2.0", CpuMilli = 1000, MemoryBytes = 2048 * Mi },
            9 * 86_400, 40 * 60, PodState.Failed, null, 30 * 86_400);
    }

    private static void Job(ClusterAssembler a, int ns, string name, ContainerSpec container, int ageSeconds, int runSeconds, PodState state, string? cronJob, int? ttl)
    {
        var w = new WorkloadSpec
        {
            Kind = WorkloadKind.Job,
            Namespace = ns,
            Name = name,
            Replicas = 1,
            BareState = state,
            CronJob = cronJob,
            TtlSecondsAfterFinished = ttl,
            RunSeconds = runSeconds,
            Flavor = a.InventoryRng.Next(),
            ServiceAccount = "default",
            AgeSeconds = ageSeconds,
            Version = SyntheticClusterGenerator.Tag(container.Image),
        };
        w.Containers.Add(container);
        a.AddWorkload(w, a.LateIds);
    }

    private static int Team(ClusterAssembler a, string name, int ageDays, bool mesh) =>
        a.AddNamespace(name, ageDays * 86_400, mesh, ("team", name), ("environment", "production"), ("pod-security.kubernetes.io/enforce", "baseline"));

    private static WorkloadSpec Deploy(ClusterAssembler a, int ns, string name, int replicas, int cpuMilli, int memMi, Action<WorkloadSpec>? configure, string? image = null)
    {
        NamespaceSpec space = a.Model.Namespaces[ns];
        var w = new WorkloadSpec
        {
            Kind = WorkloadKind.Deployment,
            Namespace = ns,
            Name = name,
            Replicas = replicas,
            Mesh = space.Mesh,
            Flavor = a.Rng.Next(),
            ServiceAccount = name,
            AgeSeconds = (2 + a.Rng.Next(40)) * 86_400,
            Version = $"{1 + a.Rng.Next(3)}.{a.Rng.Next(30)}.{a.Rng.Next(10)}",
        };
        image ??= $"{Catalog.EcrAccount}/{space.Name}/{name}:v{w.Version}";
        if (w.Mesh)
        {
            w.Containers.Add(new ContainerSpec { Name = "istio-init", Image = Catalog.IstioProxy, Role = ContainerRole.Init, CpuMilli = 100, MemoryBytes = 128 * Mi, CpuLimitMilli = 2000, MemoryLimitBytes = 1024 * Mi });
        }

        w.Containers.Add(new ContainerSpec
        {
            Name = "app",
            Image = image,
            CpuMilli = cpuMilli,
            MemoryBytes = memMi * Mi,
            MemoryLimitBytes = memMi * Mi,
            Port = 8080,
        });
        if (w.Mesh)
        {
            w.Containers.Add(new ContainerSpec { Name = "istio-proxy", Image = Catalog.IstioProxy, CpuMilli = 100, MemoryBytes = 128 * Mi, CpuLimitMilli = 2000, MemoryLimitBytes = 1024 * Mi, Port = 15090 });
        }

        configure?.Invoke(w);
        return a.AddWorkload(w);
    }

    private static WorkloadSpec Sts(ClusterAssembler a, int ns, string name, int replicas, int cpuMilli, int memMi, string image, Action<WorkloadSpec>? configure)
    {
        var w = new WorkloadSpec
        {
            Kind = WorkloadKind.StatefulSet,
            Namespace = ns,
            Name = name,
            Replicas = replicas,
            Pvc = true,
            Flavor = a.Rng.Next(),
            ServiceAccount = name,
            AgeSeconds = (30 + a.Rng.Next(200)) * 86_400,
            Version = SyntheticClusterGenerator.Tag(image),
        };
        w.Containers.Add(new ContainerSpec
        {
            Name = name,
            Image = image,
            CpuMilli = cpuMilli,
            MemoryBytes = memMi * Mi,
            CpuLimitMilli = cpuMilli,
            MemoryLimitBytes = memMi * Mi,
            Port = 9000 + a.Rng.Next(200),
        });
        configure?.Invoke(w);
        return a.AddWorkload(w);
    }

    private static void Bare(ClusterAssembler a, int ns, string name, string image, PodState state)
    {
        var w = new WorkloadSpec
        {
            Kind = WorkloadKind.Bare,
            Namespace = ns,
            Name = name,
            Replicas = 1,
            BareState = state,
            Flavor = a.Rng.Next(),
            AgeSeconds = 3 * 3_600,
            Version = SyntheticClusterGenerator.Tag(image),
        };
        w.Containers.Add(new ContainerSpec { Name = name, Image = image, CpuMilli = 100, MemoryBytes = 128 * Mi });
        a.AddWorkload(w);
    }
}
