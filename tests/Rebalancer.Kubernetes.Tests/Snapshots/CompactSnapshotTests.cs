using System.Buffers.Binary;
using System.IO.Compression;
using System.Reflection;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;
using Rebalancer.Testing.Synthetic;
using static Rebalancer.Kubernetes.Tests.Snapshots.CompactTables;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

public sealed class CompactSnapshotTests
{
    private static readonly Lazy<SnapshotLoadResult> Synthetic = new(() =>
    {
        using var json = new MemoryStream();
        SyntheticClusterGenerator.Write(new SyntheticClusterOptions { Nodes = 60, Pods = 1_500, Seed = 7 }, json);
        json.Position = 0;
        return SnapshotLoader.Load(json, "synthetic.json");
    });

    private static readonly Lazy<SnapshotLoadResult> Demo = new(() =>
    {
        using var json = new MemoryStream();
        DemoCluster.Write(json);
        json.Position = 0;
        return SnapshotLoader.Load(json, "demo.json");
    });

    /// <summary>Hand-written objects for what generated clusters lack: every kind of constraint, PDB and status field.</summary>
    private static readonly Lazy<SnapshotLoadResult> EdgeCases = new(() => Load(List(
        Node("node-a", spec: """{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"},{"key":"x","effect":"NoExecute"}],"unschedulable":true}""",
            allocatable: """{"cpu":"8","memory":"32Gi","pods":"110","nvidia.com/gpu":"2","hugepages-2Mi":"1Gi"}"""),
        Node("node-b", extraMetadata: ""","annotations":{"note":"ünïcode ✓"}"""),
        Pod("web-1", spec: """
            ,"tolerations":[{"operator":"Exists"},{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule","tolerationSeconds":5}]
            ,"nodeSelector":{"disk":"ssd"}
            ,"affinity":{
              "nodeAffinity":{
                "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                  {"matchExpressions":[{"key":"cores","operator":"Gt","values":["4"]}],"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a","node-b"]}]},
                  {"matchExpressions":[{"key":"zone","operator":"NotIn","values":["z1"]}]}]},
                "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":7,"preference":{"matchExpressions":[{"key":"zone","operator":"In","values":["z2"]}]}}]},
              "podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"zone","namespaces":["data"]}]},
              "podAntiAffinity":{
                "requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchExpressions":[{"key":"app","operator":"Exists"}]},"topologyKey":"kubernetes.io/hostname","namespaceSelector":{}}],
                "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":50,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"zone"}}]}}
            ,"topologySpreadConstraints":[{"maxSkew":2,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}},
               "minDomains":3,"nodeAffinityPolicy":"Ignore","nodeTaintsPolicy":"Honor","matchLabelKeys":["pod-template-hash"]}]
            ,"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"web-data"}},{"name":"tmp","emptyDir":{}}]
            ,"overhead":{"cpu":"10m"}
            """,
            metadata: """
                ,"labels":{"app":"web","pod-template-hash":"abc"},"annotations":{"descheduler.alpha.kubernetes.io/evict":"true"},
                "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs-1","controller":true},{"apiVersion":"v1","kind":"Thing","name":"t","uid":"t-1"}],
                "creationTimestamp":"2025-01-02T03:04:05Z","deletionTimestamp":"2025-01-03T00:00:00Z"
                """,
            status: """
                {"phase":"Running","qosClass":"Burstable","startTime":"2025-01-02T03:04:06Z","reason":"Evicted",
                "conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady","lastTransitionTime":"2025-01-02T03:05:00Z"}],
                "initContainerStatuses":[{"name":"init","restartCount":2,"ready":true,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
                "containerStatuses":[{"name":"app","restartCount":7,"ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}
                """),
        Pod("pending", node: "", status: """{"phase":"Pending"}"""),
        Pod("elsewhere", node: "node-gone"),
        """
        {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web","namespace":"default","generation":3},
         "spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}},"unhealthyPodEvictionPolicy":"AlwaysAllow"},
         "status":{"observedGeneration":3,"disruptionsAllowed":1,"currentHealthy":2,"desiredHealthy":1,"expectedPods":2,"disruptedPods":{"web-2":"2025-01-01T00:00:00Z"}}}
        """,
        """{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"nothing","namespace":"default"},"spec":{"maxUnavailable":1}}""",
        """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default","labels":{"team":"a"}}}""",
        """{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"value":1000,"globalDefault":true}""",
        """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"web-data","namespace":"default"},"spec":{"storageClassName":"gp3"}}""",
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"skipped","namespace":"default"}}""",
        """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"team":"shop"},"annotations":{"owner":"shop-team"}}}""",
        Pod("web-abc-1", ns: "shop", metadata: ""","ownerReferences":[{"kind":"ReplicaSet","name":"web-abc","uid":"rs-web-abc","controller":true}]"""),
        Pod("db-0", ns: "shop", metadata: ""","ownerReferences":[{"kind":"StatefulSet","name":"db","uid":"sts-db","controller":true}]""",
            spec: ""","volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data-db-0"}}]""")) + List(InventoryFixtures.All)));

    public static TheoryData<string> Snapshots => ["edge cases", "demo", "synthetic"];

    private static SnapshotLoadResult Get(string name) => name switch
    {
        "edge cases" => EdgeCases.Value,
        "demo" => Demo.Value,
        _ => Synthetic.Value,
    };

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void A_snapshot_reads_back_field_for_field_with_its_warnings_and_counts(string name)
    {
        SnapshotLoadResult original = Get(name);
        byte[] bytes = Write(original);

        SnapshotLoadResult read = CompactSnapshot.Read(new MemoryStream(bytes), "x.rbsnap");

        Assert.Equal(Content(original), Content(read));
        Assert.Equal(1, read.Statistics.Documents);
        Assert.Equal(original.Statistics.SkippedByKind.OrderBy(p => p.Key), read.Statistics.SkippedByKind.OrderBy(p => p.Key));
        Assert.Equal(bytes.Length, read.Statistics.Bytes);
        AssertSameColumns(original.Snapshot, read.Snapshot);
    }

    [Fact]
    public void The_edge_case_fixture_exercises_what_it_claims()
    {
        // The round trip above proves little if the fixture lost its constraints, PDBs or warnings on the way in.
        ClusterSnapshot s = EdgeCases.Value.Snapshot;
        PodConstraints c = s.ConstraintsOf(PodIndex(s, "web-1"));
        Assert.NotNull(c.RequiredNodeAffinity);
        Assert.NotEmpty(c.PreferredNodeAffinity);
        Assert.NotEmpty(c.RequiredPodAffinity);
        Assert.NotEmpty(c.RequiredPodAntiAffinity);
        Assert.NotEmpty(c.PreferredPodAntiAffinity);
        Assert.NotEmpty(c.TopologySpread);
        Assert.Contains(s.Pdbs, pdb => pdb.Selector.MatchesNothing);
        Assert.Equal(-1, s.Pods.Node[PodIndex(s, "elsewhere")]);
        Assert.NotEmpty(EdgeCases.Value.Warnings);
        Assert.True(s.Resources.Count > ResourceCatalog.EphemeralStorage + 1);
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Equal_snapshots_give_equal_bytes_and_a_read_back_snapshot_writes_the_same_file(string name)
    {
        byte[] first = Write(Get(name));
        byte[] again = Write(Get(name));
        byte[] roundTripped = Write(CompactSnapshot.Read(new MemoryStream(first), "x.rbsnap"));

        Assert.Equal(first, again);
        Assert.Equal(first, roundTripped);
    }

    [Fact]
    public void The_loader_recognises_compact_files_on_disk_gzipped_and_on_a_pipe()
    {
        byte[] bytes = Write(Demo.Value);
        string expected = Content(Demo.Value);
        string directory = Directory.CreateTempSubdirectory("rbsnap-").FullName;
        try
        {
            string plain = Path.Combine(directory, "cluster" + CompactSnapshot.Extension);
            File.WriteAllBytes(plain, bytes);
            string gzipped = Path.Combine(directory, "cluster.rbsnap.gz");
            using (var gzip = new GZipStream(File.Create(gzipped), CompressionLevel.Fastest))
            {
                gzip.Write(bytes);
            }

            Assert.Equal(expected, Content(SnapshotLoader.Load(plain)));
            Assert.Equal(expected, Content(SnapshotLoader.Load(gzipped)));
            Assert.Equal(expected, Content(SnapshotLoader.Load(new TrickleStream(bytes, chunk: 4093), "<stdin>")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Loading_a_stream_leaves_it_open_for_its_owner()
    {
        using var stream = new MemoryStream(Write(EdgeCases.Value));

        SnapshotLoader.Load(stream, "c.rbsnap");

        Assert.True(stream.CanRead);
        Assert.Equal(stream.Length, stream.Position);
    }

    /// <summary>On a pipe the length is unknown, so arrays over 1 MiB grow as their bytes arrive; the values must not change.</summary>
    [Fact]
    public void Large_arrays_and_string_lists_read_the_same_from_a_pipe_as_from_a_file()
    {
        string[] names = [.. Enumerable.Range(0, 400_000).Select(i => $"pod-{i}-ü")];
        long[] numbers = [.. Enumerable.Range(0, 300_000).Select(i => (long)i * 7919)];
        using var stream = new MemoryStream();
        using (var output = new CompactOutput(stream))
        {
            output.Strings(names);
            output.Array<long>(numbers);
            output.Finish();
        }

        byte[] bytes = stream.ToArray();
        foreach (Stream source in new Stream[] { new MemoryStream(bytes), new TrickleStream(bytes, chunk: 65_536) })
        {
            using var input = new CompactInput(source, "big.rbsnap", consumed: 0);
            Assert.Equal(names, input.Strings("names"));
            Assert.Equal(numbers, input.Array<long>("numbers"));
            input.Finish();
        }
    }

    [Fact]
    public void A_compact_file_cannot_be_merged_into_a_builder()
    {
        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.LoadInto(
            new MemoryStream(Write(EdgeCases.Value)), "c.rbsnap", new SnapshotBuilder(), new SnapshotLoadStatistics(), []));

        Assert.Contains("cannot be merged", e.Message);
        Assert.StartsWith("c.rbsnap: ", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_truncated_file_is_a_format_error_wherever_it_is_cut(bool pipe)
    {
        byte[] bytes = Write(EdgeCases.Value);
        var cuts = Enumerable.Range(0, 64).Concat(Enumerable.Range(1, 200).Select(i => (int)((long)bytes.Length * i / 201)))
            .Concat(Enumerable.Range(bytes.Length - 20, 20)).Distinct();
        foreach (int cut in cuts)
        {
            Stream stream = pipe ? new TrickleStream(bytes[..cut], chunk: 1000) : new MemoryStream(bytes[..cut]);
            var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(stream, "cut.rbsnap"));
            Assert.StartsWith("cut.rbsnap: ", e.Message);
            if (cut >= 8)
            {
                Assert.Contains("compact snapshot", e.Message);
            }
        }
    }

    [Fact]
    public void Any_changed_byte_is_a_format_error_never_a_crash_or_a_different_snapshot()
    {
        byte[] bytes = Write(EdgeCases.Value);
        var random = new Random(42);
        for (int i = 0; i < 400; i++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            int at = random.Next(8, bytes.Length);
            damaged[at] ^= (byte)(1 << random.Next(8));

            var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(damaged), "bad.rbsnap"));
            Assert.Contains("compact snapshot, ", e.Message);
        }
    }

    [Fact]
    public void Data_after_the_trailer_is_refused()
    {
        byte[] bytes = [.. Write(EdgeCases.Value), 0x0A];

        var e = Assert.Throws<SnapshotFormatException>(() => CompactSnapshot.Read(new MemoryStream(bytes), "x.rbsnap"));

        Assert.Contains("data follows the end", e.Message);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(0)]
    public void Another_format_version_is_refused_with_what_to_do(int version)
    {
        byte[] bytes = Write(EdgeCases.Value);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), version);

        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(bytes), "old.rbsnap"));

        Assert.Equal($"old.rbsnap: compact snapshot, version: format version {version} is not a version this rebalancer reads (1 to {CompactSnapshot.FormatVersion}); "
            + $"write the snapshot again with this version ('rebalancer snapshot --from FILE.json --format compact') (value '{version}')", e.Message);
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void A_version_1_file_loads_with_what_that_version_held(string name)
    {
        // Version 1 had no inventory (only claims' storage classes), no namespace annotations and no last terminated
        // reasons; everything else reads back as written.
        ClusterSnapshot s = Get(name).Snapshot;
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, s, CompactSnapshot.ProvenanceOf(s, Get(name).Warnings), version: 1);
        byte[] bytes = stream.ToArray();
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));

        SnapshotLoadResult loaded = SnapshotLoader.Load(new MemoryStream(bytes), "old.rbsnap");
        ClusterSnapshot read = loaded.Snapshot;
        Assert.Contains(loaded.Warnings, w => w.StartsWith("compact snapshot of format version 1: it holds no inventory objects", StringComparison.Ordinal));

        Assert.Equal(s.Nodes.Name, read.Nodes.Name);
        Assert.Equal(s.Nodes.Allocatable, read.Nodes.Allocatable);
        Assert.True(s.Pods.Name.Bytes.SequenceEqual(read.Pods.Name.Bytes));
        Assert.Equal(s.Pods.Requests, read.Pods.Requests);
        Assert.Equal(s.Pods.Node, read.Pods.Node);
        Assert.Equal(s.Pods.ContainerStatuses.Select(c => c with { LastTerminatedReason = 0 }), read.Pods.ContainerStatuses);
        Assert.Equal(s.Pdbs.Count, read.Pdbs.Count);
        Assert.Equal(s.PvcStorageClasses.OrderBy(p => p.Key), read.PvcStorageClasses.OrderBy(p => p.Key));
        Assert.Equal(s.Inventory.PersistentVolumeClaims.Select(c => (c.Meta.Namespace, c.Meta.Name)),
            read.Inventory.PersistentVolumeClaims.Select(c => (c.Meta.Namespace, c.Meta.Name)));
        Assert.Empty(read.Inventory.Deployments);
        Assert.Empty(read.Inventory.Jobs);
        Assert.Equal(s.Inventory.PersistentVolumeClaims.Count > 0 ? InventoryKinds.PersistentVolumeClaims : InventoryKinds.None, read.Inventory.KindsRead);
        Assert.Empty(read.Namespaces.Annotations.Keys);
        Assert.All(read.ConstraintSets, c => Assert.Empty(c.PreferredPodAffinity));
        for (int p = 0; p < read.Pods.Count; p++)
        {
            long cpu = s.Pods.Requests[(p * s.Resources.Count) + ResourceCatalog.Cpu];
            Assert.Equal(cpu == 0 ? PodResources.DefaultMilliCpuRequest : cpu, read.Pods.NonZeroCpuMilli[p]);
        }
    }

    [Fact]
    public void A_wrong_checksum_is_reported_as_damage()
    {
        byte[] bytes = Write(EdgeCases.Value);
        bytes[^1] ^= 0xFF;

        var e = Assert.Throws<SnapshotFormatException>(() => CompactSnapshot.Read(new MemoryStream(bytes), "x.rbsnap"));

        Assert.Contains("compact snapshot, trailer: the checksum", e.Message);
        Assert.Contains("the file is damaged", e.Message);
    }

    /// <summary>
    /// Tables the writer writes as given but the reader must refuse, with a valid checksum: the checks that keep a bad
    /// index from reaching the planner do not rely on the checksum.
    /// </summary>
    public static TheoryData<string, Func<ClusterSnapshot, ClusterSnapshot>, string> Invalid => new()
    {
        { "namespace id", s => WithPods(s, p => Replace(p, nameof(PodTable.Namespace), Poke(p.Namespace, 0, 1_000_000))), "pods.namespace[0]: not a string id" },
        { "node name id", s => WithPods(s, p => Replace(p, nameof(PodTable.NodeName), Poke(p.NodeName, 1, -5))), "pods.nodeName[1]: not a string id" },
        { "node index", s => WithPods(s, p => Replace(p, nameof(PodTable.Node), Poke(p.Node, 1, -2))), "pods.node: not a node index (-1 to 1) (value '-2')" },
        { "constraint set id", s => WithPods(s, p => Replace(p, nameof(PodTable.Constraints), Poke(p.Constraints, 0, 999))), "pods.constraints[0]: not a constraint set" },
        { "falling row starts", s => WithPods(s, p => Replace(p, nameof(PodTable.OwnerStart), Poke(p.OwnerStart, 1, 5))), "pods.ownerStart" },
        { "pod phase", s => WithPods(s, p => Replace(p, nameof(PodTable.Phase), Poke(p.Phase, 0, (PodPhase)9))), "pods.phase[0]: not a PodPhase value" },
        { "pod flags", s => WithPods(s, p => Replace(p, nameof(PodTable.Flags), Poke(p.Flags, 0, (PodFlags)(1u << 30)))), "pods.flags: undefined flag bits" },
        { "owner uid", s => WithPods(s, p => Replace(p, nameof(PodTable.Owners), Poke(p.Owners, 0, p.Owners[0] with { Uid = -1 }))), "pods.owners[0].uid: not a string id" },
        { "column length", s => WithPods(s, p => Replace(p, nameof(PodTable.Priority), p.Priority[1..])), "pods.priority: has 4 items where 5 were expected" },
        { "inventory order", s => WithInventory(s, i => Copy(i, claims: [.. i.PersistentVolumeClaims.Reverse()])),
            "inventory.persistentVolumeClaims[1].metadata.name: out of order or a duplicate" },
        { "inventory string id", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Meta = i.Deployments[0].Meta with { Uid = 1 << 20 } }])),
            "inventory.deployments[0].metadata.uid: not a string id" },
        { "inventory owner id", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Meta = i.Deployments[0].Meta with { Owners = [new OwnerRef(1, -5, 0, true)] } }])),
            "inventory.deployments[0].metadata.ownerReferences[0].name: not a string id" },
        { "inventory namespace", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Meta = i.Deployments[0].Meta with { Namespace = 0 } }])),
            "inventory.deployments[0].metadata.namespace: a namespaced object without a namespace" },
        { "negative replicas", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Replicas = -1 }])),
            "inventory.deployments[0].spec.replicas: is negative; it counts, so it is 0 or more" },
        { "container resource", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Template = i.Deployments[0].Template with
            {
                Containers = [i.Deployments[0].Template.Containers[0] with { Requests = [new ResourceAmount(99, 1)] }],
            }
        }])), "inventory.deployments[0].spec.template.containers[0].resources.requests[0]: not a resource index" },
        { "hpa replicas", s => WithInventory(s, i => Copy(i, hpas: [i.HorizontalPodAutoscalers[0] with { MaxReplicas = 0 }, i.HorizontalPodAutoscalers[1]])),
            "inventory.horizontalPodAutoscalers[0].spec.maxReplicas: must be at least 1" },
        { "hpa metric enum", s => WithInventory(s, i => Copy(i, hpas: [i.HorizontalPodAutoscalers[0], i.HorizontalPodAutoscalers[1] with
            {
                ResourceMetrics = [i.HorizontalPodAutoscalers[1].ResourceMetrics[0] with { Target = (HpaTargetType)7 }],
            }])), "inventory.horizontalPodAutoscalers[1].spec.metrics[0].target: not a HpaTargetType value" },
        { "volume phase", s => WithInventory(s, i => Copy(i, volumes: [i.PersistentVolumes[0] with { Phase = (VolumePhase)9 }, i.PersistentVolumes[1]])),
            "inventory.persistentVolumes[0].status.phase: not a VolumePhase value" },
        { "quota amount", s => WithInventory(s, i => Copy(i, quotas: [i.ResourceQuotas[0] with { Used = [i.ResourceQuotas[0].Hard[0] with { Amount = -3 }] }])),
            "is negative; resource amounts are 0 or more (value '-3')" },
        { "template total", s => WithInventory(s, i => Copy(i, deployments: [i.Deployments[0] with { Replicas = 1 << 20, Template = i.Deployments[0].Template with
            {
                Containers = [i.Deployments[0].Template.Containers[0] with { Requests = [new ResourceAmount(ResourceCatalog.Memory, 1L << 43)] }],
            }
        }])), "Containers[0].resources.requests: the Deployments' template requests times their pods of memory add up to more than" },
        { "quota scale", s => WithInventory(s, i => Copy(i, quotas: [i.ResourceQuotas[0] with { Hard = [i.ResourceQuotas[0].Hard[0] with { Scale = 7 }] }])),
            "is stored at scale 0 or 3 (milli) (value '7')" },
        { "kinds read", s => WithInventory(s, i => new ClusterInventory((InventoryKinds)(1 << 20), [.. i.Deployments], [.. i.ReplicaSets], [.. i.StatefulSets],
            [.. i.DaemonSets], [.. i.Jobs], [.. i.CronJobs], [.. i.HorizontalPodAutoscalers], [.. i.PersistentVolumes], [.. i.PersistentVolumeClaims],
            [.. i.LimitRanges], [.. i.ResourceQuotas])), "inventory.kindsRead: undefined flag bits" },
    };

    private static ClusterSnapshot WithInventory(ClusterSnapshot s, Func<ClusterInventory, ClusterInventory> change) =>
        ClusterSnapshot.FromTables(s.Strings, s.Resources, s.Nodes, s.Pods, s.Pdbs, s.Namespaces, s.PriorityClasses, change(s.Inventory), s.ConstraintSets);

    private static ClusterInventory Copy(ClusterInventory i, WorkloadObject[]? deployments = null, HorizontalPodAutoscalerObject[]? hpas = null,
        PersistentVolumeObject[]? volumes = null, PersistentVolumeClaimObject[]? claims = null, ResourceQuotaObject[]? quotas = null) =>
        new(i.KindsRead, deployments ?? [.. i.Deployments], [.. i.ReplicaSets], [.. i.StatefulSets], [.. i.DaemonSets], [.. i.Jobs], [.. i.CronJobs],
            hpas ?? [.. i.HorizontalPodAutoscalers], volumes ?? [.. i.PersistentVolumes], claims ?? [.. i.PersistentVolumeClaims], [.. i.LimitRanges],
            quotas ?? [.. i.ResourceQuotas]);

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Out_of_range_tables_are_refused_at_their_field_path(string what, Func<ClusterSnapshot, ClusterSnapshot> damage, string expected)
    {
        ClusterSnapshot damaged = damage(EdgeCases.Value.Snapshot);
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, damaged, CompactSnapshot.ProvenanceOf(damaged, []));

        var e = Assert.Throws<SnapshotFormatException>(() => CompactSnapshot.Read(new MemoryStream(stream.ToArray()), "x.rbsnap"));

        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {e.Message}");
    }

    [Fact]
    public void A_live_snapshot_gets_its_object_counts_from_the_snapshot()
    {
        ClusterSnapshot s = Synthetic.Value.Snapshot;
        CompactSnapshotProvenance provenance = CompactSnapshot.ProvenanceOf(s, ["w"]);

        Assert.Equal(["w"], provenance.Warnings);
        Assert.Contains(new KeyValuePair<string, int>("Pod", s.Pods.Count), provenance.ObjectsByKind);
        Assert.Contains(new KeyValuePair<string, int>("PodMetrics", s.Pods.HasUsage.Count(h => h)), provenance.ObjectsByKind);
        Assert.Equal(Synthetic.Value.Statistics.ObjectsByKind.Where(p => p.Key != "PersistentVolumeClaim").OrderBy(p => p.Key),
            provenance.ObjectsByKind.Where(p => p.Key != "PersistentVolumeClaim").OrderBy(p => p.Key));
    }

    /// <summary>The dump without the document count: the JSON had several documents, the compact file is one.</summary>
    private static string Content(SnapshotLoadResult loaded) => Dump(loaded).Replace($"stats {loaded.Statistics.Documents} ", "stats ", StringComparison.Ordinal);

    private static byte[] Write(SnapshotLoadResult loaded)
    {
        using var stream = new MemoryStream();
        long written = CompactSnapshot.Write(stream, loaded);
        Assert.Equal(stream.Length, written);
        return stream.ToArray();
    }

    /// <summary>
    /// Every array column of the node and pod tables, found by reflection, so a column added to the model but not to
    /// the format fails here even if <see cref="SnapshotTestKit.Dump"/> does not print it yet.
    /// </summary>
    private static void AssertSameColumns(ClusterSnapshot expected, ClusterSnapshot actual)
    {
        foreach ((object e, object a) in new (object, object)[] { (expected.Nodes, actual.Nodes), (expected.Pods, actual.Pods) })
        {
            foreach (PropertyInfo property in e.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                object? x = property.GetValue(e);
                object? y = property.GetValue(a);
                if (x is Array xs)
                {
                    Assert.True(((System.Collections.IStructuralEquatable)xs).Equals(y, System.Collections.Generic.EqualityComparer<object>.Default),
                        $"{e.GetType().Name}.{property.Name} differs");
                }
                else if (x is Utf8StringColumn text)
                {
                    var other = (Utf8StringColumn)y!;
                    Assert.True(text.Bytes.SequenceEqual(other.Bytes) && text.Starts.SequenceEqual(other.Starts), $"{e.GetType().Name}.{property.Name} differs");
                }
                else if (x is KeyValueColumn kv)
                {
                    var other = (KeyValueColumn)y!;
                    Assert.Equal(kv.Start, other.Start);
                    Assert.Equal(kv.Keys, other.Keys);
                    Assert.Equal(kv.Values, other.Values);
                }
            }
        }

        // Every column type is compared above; a new kind of column must be added there, not skipped silently.
        Assert.All(typeof(PodTable).GetProperties().Concat(typeof(NodeTable).GetProperties()), p =>
            Assert.True(p.PropertyType.IsArray || p.PropertyType == typeof(Utf8StringColumn) || p.PropertyType == typeof(KeyValueColumn)
                || p.PropertyType == typeof(int), $"{p.DeclaringType!.Name}.{p.Name} ({p.PropertyType.Name}) is not compared"));
        Assert.Equal(expected.ConstraintSets, actual.ConstraintSets);
        Assert.Same(PodConstraints.None, actual.ConstraintSets[0]);
        for (int n = 0; n < expected.Nodes.Count; n++)
        {
            Assert.Equal(expected.PodsOn(n).ToArray(), actual.PodsOn(n).ToArray());
        }

        Assert.Equal(expected.PriorityClasses.Keys, actual.PriorityClasses.Keys);
        Assert.Equal(expected.PvcStorageClasses.Keys, actual.PvcStorageClasses.Keys);
    }
}
