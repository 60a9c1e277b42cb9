using System.IO.Compression;
using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>The document shapes kubectl and the API produce, and the object kinds the loader understands.</summary>
public class SnapshotLoaderDocumentTests
{
    private static readonly string NodeA = Node("node-a");
    private static readonly string NodeB = Node("node-b");
    private static readonly string Web1 = Pod("web-1");
    private static readonly string Web2 = Pod("web-2", node: "node-b");

    /// <summary>Every shape holds node-a, node-b, web-1 on node-a and web-2 on node-b.</summary>
    public static TheoryData<string, string, int> Shapes => new()
    {
        { "v1 List (kubectl get nodes,pods -o json)", List(NodeA, NodeB, Web1, Web2), 1 },
        { "typed lists, concatenated without whitespace", TypedList("NodeList", NodeA, NodeB) + TypedList("PodList", Web1, Web2), 2 },
        { "typed lists, newline separated", TypedList("NodeList", NodeA, NodeB) + "\n" + TypedList("PodList", Web1, Web2) + "\n", 2 },
        { "single objects, one per line", string.Join("\n", NodeA, NodeB, Web1, Web2), 4 },
        { "single objects back to back", NodeA + NodeB + Web1 + Web2, 4 },
        { "raw API lists: kind first, items without kind", RawList("NodeList", NodeA, NodeB) + RawList("PodList", Web1, Web2), 2 },
        { "List with kind after items", $$"""{"items":[{{string.Join(",", NodeA, NodeB, Web1, Web2)}}],"kind":"List","apiVersion":"v1"}""", 1 },
        { "objects with kind last", string.Join("\n", KindLast(NodeA), KindLast(NodeB), KindLast(Web1), KindLast(Web2)), 4 },
        { "mixed: list, object, list", List(NodeA) + Web1 + List(NodeB, Web2), 3 },
        { "files concatenated with cat, each with a BOM", "\uFEFF" + List(NodeA, Web1) + "\r\n\uFEFF" + List(NodeB, Web2), 2 },
        { "pretty-printed with CRLF and a BOM", "\uFEFF" + List(NodeA, NodeB, Web1, Web2).Replace("\n", "\r\n", StringComparison.Ordinal), 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_document_shape_loads_the_same_objects(string description, string json, int documents)
    {
        Assert.NotEmpty(description);
        SnapshotLoadResult result = Load(json);
        ClusterSnapshot s = result.Snapshot;

        Assert.Equal(["node-a", "node-b"], s.Nodes.Name.Order(StringComparer.Ordinal));
        Assert.Equal(["web-1", "web-2"], s.Pods.Name.Order(StringComparer.Ordinal));
        Assert.Equal(s.Nodes.IndexOf("node-a"), s.Pods.Node[PodIndex(s, "web-1")]);
        Assert.Equal(s.Nodes.IndexOf("node-b"), s.Pods.Node[PodIndex(s, "web-2")]);
        Assert.Equal(100, Request(s, PodIndex(s, "web-2"), "cpu"));
        Assert.Equal(documents, result.Statistics.Documents);
        Assert.Equal(2, result.Statistics.ObjectsByKind["Node"]);
        Assert.Equal(2, result.Statistics.ObjectsByKind["Pod"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), result.Statistics.Bytes);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Every_shape_produces_the_same_snapshot()
    {
        string reference = Normalize(Dump(Load(List(NodeA, NodeB, Web1, Web2))));
        foreach (object[] row in Shapes)
        {
            string json = (string)row[1];
            Assert.Equal(reference, Normalize(Dump(Load(json))));
        }

        // Object order differs between shapes and documents are counted separately; everything else must match.
        static string Normalize(string dump) => string.Join("\n", dump.Split('\n')
            .Where(line => !line.StartsWith("stats ", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nodes_keep_labels_taints_allocatable_and_conditions()
    {
        string node = Node("gpu-1",
            extraMetadata: ""","annotations":{"node.alpha.kubernetes.io/ttl":"0"},"creationTimestamp":"2025-02-03T04:05:06Z" """,
            spec: """{"unschedulable":true,"taints":[{"key":"nvidia.com/gpu","value":"present","effect":"NoSchedule"},{"key":"spot","effect":"PreferNoSchedule"}]}""",
            allocatable: """{"cpu":"3920m","memory":"15Gi","pods":"110","nvidia.com/gpu":"2","hugepages-2Mi":"0"}""");
        ClusterSnapshot s = Load(node).Snapshot;

        Assert.Equal(NodeFlags.Ready | NodeFlags.Unschedulable, s.Nodes.Flags[0]);
        Assert.Equal(3920, Allocatable(s, 0, "cpu"));
        Assert.Equal(15L << 30, Allocatable(s, 0, "memory"));
        Assert.Equal(110, Allocatable(s, 0, "pods"));
        Assert.Equal(2, Allocatable(s, 0, "nvidia.com/gpu"));
        Assert.Equal(["kubernetes.io/hostname=gpu-1"], Labels(s, s.Nodes.Labels[0]));
        Assert.Equal(["node.alpha.kubernetes.io/ttl=0"], Labels(s, s.Nodes.Annotations[0]));
        Assert.Equal(UnixTime.FromDateTimeOffset(new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.Zero)), s.Nodes.CreationTime[0]);
        Assert.Equal(
            [new Taint(s.Strings.Find("nvidia.com/gpu"), s.Strings.Find("present"), TaintEffect.NoSchedule), new Taint(s.Strings.Find("spot"), 0, TaintEffect.PreferNoSchedule)],
            s.Nodes.TaintsOf(0).ToArray());
    }

    [Theory]
    [InlineData("""[{"type":"Ready","status":"False"}]""", NodeFlags.None)]
    [InlineData("""[{"type":"Ready","status":"Unknown"}]""", NodeFlags.None)]
    [InlineData("""[{"type":"DiskPressure","status":"True"},{"status":"True","type":"Ready"}]""", NodeFlags.Ready)]
    [InlineData("null", NodeFlags.None)]
    public void Node_readiness_comes_from_the_Ready_condition(string conditions, NodeFlags expected)
    {
        string node = $$$"""{"kind":"Node","metadata":{"name":"n"},"status":{"conditions":{{{conditions}}}}}""";
        Assert.Equal(expected, Load(node).Snapshot.Nodes.Flags[0]);
    }

    [Fact]
    public void Node_capacity_stands_in_for_missing_allocatable()
    {
        ClusterSnapshot s = Load("""{"kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":"2","memory":"1Gi"}}}""").Snapshot;
        Assert.Equal(2000, Allocatable(s, 0, "cpu"));
        Assert.Equal(1L << 30, Allocatable(s, 0, "memory"));
    }

    public static TheoryData<string, string> Pdbs => new()
    {
        { """{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}}""", "app In (web)|min=2|max=|IfHealthyBudget" },
        { """{"minAvailable":"50%","selector":{}}""", "<everything>|min=50%|max=|IfHealthyBudget" },
        { """{"maxUnavailable":1,"selector":null}""", "<nothing>|min=|max=1|IfHealthyBudget" },
        { """{"maxUnavailable":"25%"}""", "<nothing>|min=|max=25%|IfHealthyBudget" },
        { """{"minAvailable":"100%","unhealthyPodEvictionPolicy":"AlwaysAllow","selector":{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["db","cache"]},{"key":"canary","operator":"DoesNotExist"}]}}""",
            "tier NotIn (db|cache)&canary DoesNotExist ()|min=100%|max=|AlwaysAllow" },
        { """{"minAvailable":0,"unhealthyPodEvictionPolicy":"IfHealthyBudget","selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"track","operator":"In","values":["stable"]},{"key":"zone","operator":"Exists","values":null}]}}""",
            "app In (web)&track In (stable)&zone Exists ()|min=0|max=|IfHealthyBudget" },
    };

    [Theory]
    [MemberData(nameof(Pdbs))]
    public void Pdb_specs_become_selectors_and_budgets(string spec, string expected)
    {
        string json = $$"""{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web","namespace":"shop","generation":3},"spec":{{spec}}}""";
        ClusterSnapshot s = Load(json).Snapshot;
        PdbRecord pdb = Assert.Single(s.Pdbs);

        Assert.Equal(expected, $"{Describe(s, pdb.Selector)}|min={pdb.MinAvailable}|max={pdb.MaxUnavailable}|{pdb.UnhealthyPodEvictionPolicy}");
        Assert.Equal("web", pdb.Name);
        Assert.Equal("shop", s.Strings[pdb.Namespace]);
        Assert.Equal(3, pdb.Generation);
        Assert.False(pdb.HasStatus);
    }

    [Fact]
    public void Pdb_status_is_read_with_its_disrupted_pods()
    {
        string json = """
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudgetList","items":[
              {"metadata":{"name":"a","namespace":"shop","generation":2},"spec":{"minAvailable":1},
               "status":{"observedGeneration":1,"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3,
                         "disruptedPods":{"web-1":"2025-01-01T00:00:05Z","web-2":"2025-01-01T00:00:06Z"},
                         "conditions":[{"type":"DisruptionAllowed","status":"True"}]}},
              {"metadata":{"name":"b","namespace":"shop"},"spec":{"minAvailable":1},"status":{}},
              {"metadata":{"name":"c","namespace":"shop"},"spec":{"minAvailable":1},"status":null}]}
            """;
        IReadOnlyList<PdbRecord> pdbs = Load(json).Snapshot.Pdbs;

        Assert.Equal((true, 1L, 1, 3, 2, 3), (pdbs[0].HasStatus, pdbs[0].ObservedGeneration, pdbs[0].DisruptionsAllowed, pdbs[0].CurrentHealthy, pdbs[0].DesiredHealthy, pdbs[0].ExpectedPods));
        Assert.Equal(["web-1", "web-2"], pdbs[0].DisruptedPods);
        Assert.True(pdbs[1].HasStatus);
        Assert.Equal(0, pdbs[1].DisruptionsAllowed);
        Assert.False(pdbs[2].HasStatus);
    }

    [Fact]
    public void Namespaces_priority_classes_and_claims_are_loaded()
    {
        string json = """
            {"kind":"NamespaceList","items":[{"metadata":{"name":"shop","labels":{"team":"a","kubernetes.io/metadata.name":"shop"}}},{"metadata":{"name":"empty"}}]}
            {"kind":"PriorityClassList","items":[{"metadata":{"name":"high"},"value":1000000,"globalDefault":false},
                                                 {"metadata":{"name":"default"},"value":0,"globalDefault":true},
                                                 {"metadata":{"name":"system-node-critical"},"value":2000001000}]}
            {"kind":"PersistentVolumeClaimList","items":[{"metadata":{"name":"data-0","namespace":"shop"},"spec":{"storageClassName":"fast"}},
                                                          {"metadata":{"name":"legacy","namespace":"shop"},"spec":{"storageClassName":null}}]}
            """;
        ClusterSnapshot s = Load(json).Snapshot;

        Assert.Equal(2, s.Namespaces.Count);
        int shop = s.Namespaces.IndexOf(s.Strings.Find("shop"));
        Assert.Equal(["team=a", "kubernetes.io/metadata.name=shop"], Labels(s, s.Namespaces.Labels[shop]));
        Assert.Equal(new PriorityClassInfo(1_000_000, false), s.PriorityClasses[s.Strings.Find("high")]);
        Assert.Equal(new PriorityClassInfo(0, true), s.PriorityClasses[s.Strings.Find("default")]);
        Assert.Equal(new PriorityClassInfo(2_000_001_000, false), s.PriorityClasses[s.Strings.Find("system-node-critical")]);
        Assert.Equal(s.Strings.Find("fast"), s.PvcStorageClasses[(s.Strings.Find("shop"), s.Strings.Find("data-0"))]);
        Assert.Equal(0, s.PvcStorageClasses[(s.Strings.Find("shop"), s.Strings.Find("legacy"))]);
    }

    public static TheoryData<string, long, long> NodeUsage => new()
    {
        { """{"cpu":"1234567890n","memory":"2048Mi"}""", 1235, 2048L << 20 },
        { """{"cpu":"250m","memory":"1948140Ki"}""", 250, 1_948_140L * 1024 },
        { """{"cpu":"2","memory":"123456789"}""", 2000, 123_456_789 },
        { """{"cpu":"1n","memory":"0"}""", 1, 0 },
        { """{"cpu":"0","memory":"1.5Gi"}""", 0, 3L << 29 },
    };

    [Theory]
    [MemberData(nameof(NodeUsage))]
    public void Node_metrics_round_nanocores_up_to_millicores(string usage, long cpuMilli, long memory)
    {
        string json = Node("node-a") + $$"""
            {"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},
             "items":[{"metadata":{"name":"node-a"},"timestamp":"2025-01-01T00:00:05Z","window":"20.043s","usage":{{usage}}}]}
            """;
        ClusterSnapshot s = Load(json).Snapshot;
        Assert.True(s.Nodes.HasUsage[0]);
        Assert.Equal(cpuMilli, s.Nodes.UsageCpuMilli[0]);
        Assert.Equal(memory, s.Nodes.UsageMemory[0]);
    }

    [Fact]
    public void Pod_metrics_are_summed_over_containers()
    {
        string json = List(Pod("web-1", ns: "shop"), Pod("web-2", ns: "shop")) + """
            {"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
              {"metadata":{"name":"web-1","namespace":"shop"},"timestamp":"2025-01-01T00:00:05Z","window":"15.5s",
               "containers":[{"name":"app","usage":{"cpu":"5m","memory":"10Mi"}},{"name":"sidecar","usage":{"cpu":"1500001n","memory":"1Mi"}}]}]}
            """;
        ClusterSnapshot s = Load(json).Snapshot;
        int web1 = PodIndex(s, "web-1");
        int web2 = PodIndex(s, "web-2");

        Assert.True(s.Pods.HasUsage[web1]);
        Assert.Equal(5 + 2, s.Pods.UsageCpuMilli[web1]);
        Assert.Equal(11L << 20, s.Pods.UsageMemory[web1]);
        Assert.False(s.Pods.HasUsage[web2]);
    }

    [Fact]
    public void Unsupported_kinds_are_skipped_with_one_warning_per_kind()
    {
        string json = List(
            Web1,
            """{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"a"},"data":{"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}}}""",
            """{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"b"},"status":{"nested":[[[{"deep":[1,2,{"x":null}]}]]]}}""",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"}}""") + """{"kind":"Event","metadata":{"name":"e"}}""";
        SnapshotLoadResult result = Load(json);

        Assert.Equal(
            [$"{Source}: skipped 2 objects of unsupported kind ControllerRevision", $"{Source}: skipped 1 object of unsupported kind Event", $"{Source}: skipped 1 object of unsupported kind Service"],
            result.Warnings);
        Assert.Equal(2, result.Statistics.SkippedByKind["ControllerRevision"]);
        Assert.Equal(1, result.Statistics.Objects);
        Assert.Single(result.Snapshot.Pods.Name);
    }

    [Fact]
    public void Unknown_fields_are_ignored_at_every_level()
    {
        string pod = Pod("web-1",
            metadata: ""","finalizers":["x"],"managedFields":[{"manager":"kubectl","fieldsV1":{"f:metadata":{}}}],"future":{"a":[1,{"b":true}]}""",
            spec: ""","dnsPolicy":"ClusterFirst","hostNetwork":false,"newField":{"deep":[{"x":1}]}""",
            containers: """[{"name":"app","image":"i","ports":[{"containerPort":80}],"env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"x"}}}],"resources":{"claims":[{"name":"gpu"}],"requests":{"cpu":"1"}},"securityContext":{}}]""");
        SnapshotLoadResult result = Load(List(pod));
        Assert.Equal(1000, Request(result.Snapshot, 0, "cpu"));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Empty_and_null_lists_are_fine()
    {
        SnapshotLoadResult result = Load("""{"kind":"List","items":[]} {"kind":"PodList","items":null} {"kind":"NodeList"}""");
        Assert.Equal(3, result.Statistics.Documents);
        Assert.Equal(0, result.Snapshot.Pods.Count);
        Assert.Equal(0, result.Statistics.Objects);
    }

    [Fact]
    public void LoadInto_merges_several_files_into_one_snapshot()
    {
        var builder = new SnapshotBuilder();
        var stats = new SnapshotLoadStatistics();
        var warnings = new List<string>();
        SnapshotLoader.LoadInto(Utf8(List(NodeA, NodeB)), "nodes.json", builder, stats, warnings);
        SnapshotLoader.LoadInto(Utf8(List(Web1, Web2, """{"kind":"Service","metadata":{"name":"s"}}""")), "pods.json", builder, stats, warnings);
        ClusterSnapshot s = builder.Build();

        Assert.Equal(s.Nodes.IndexOf("node-b"), s.Pods.Node[PodIndex(s, "web-2")]);
        Assert.Equal(2, stats.Documents);
        Assert.Equal(4, stats.Objects);
        Assert.Equal(["pods.json: skipped 1 object of unsupported kind Service"], warnings);
    }

    [Fact]
    public void Load_reads_plain_and_gzip_files()
    {
        string json = List(NodeA, Web1);
        string plain = Path.Combine(Path.GetTempPath(), $"rebalancer-{Guid.NewGuid():N}.json");
        string zipped = plain + ".gz";
        try
        {
            File.WriteAllText(plain, json);
            using (FileStream file = File.Create(zipped))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                gzip.Write(Encoding.UTF8.GetBytes(json));
            }

            SnapshotLoadResult fromPlain = SnapshotLoader.Load(plain);
            SnapshotLoadResult fromZip = SnapshotLoader.Load(zipped);
            Assert.Equal(Dump(fromPlain), Dump(fromZip));
            Assert.Equal(["web-1"], fromZip.Snapshot.Pods.Name);
        }
        finally
        {
            File.Delete(plain);
            File.Delete(zipped);
        }
    }

    private static MemoryStream Utf8(string json) => new(Encoding.UTF8.GetBytes(json));

    private static string TypedList(string kind, params string[] items) =>
        $$"""{"apiVersion":"v1","kind":"{{kind}}","metadata":{"resourceVersion":"42"},"items":[{{string.Join(",", items)}}]}""";

    /// <summary>The API server's own list: kind first, items carry neither kind nor apiVersion.</summary>
    private static string RawList(string kind, params string[] items) =>
        $$"""{"kind":"{{kind}}","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[{{string.Join(",", items.Select(StripTypeMeta))}}]}""";

    private static string StripTypeMeta(string item) => item
        .Replace("\"apiVersion\":\"v1\",", string.Empty, StringComparison.Ordinal)
        .Replace("\"kind\":\"Node\",", string.Empty, StringComparison.Ordinal)
        .Replace("\"kind\":\"Pod\",", string.Empty, StringComparison.Ordinal);

    /// <summary>Moves kind to the end of the object, as a tool that sorts keys differently might.</summary>
    private static string KindLast(string item)
    {
        string kind = item.Contains("\"kind\":\"Node\"", StringComparison.Ordinal) ? "Node" : "Pod";
        string stripped = StripTypeMeta(item).TrimEnd();
        return stripped[..^1] + $",\"kind\":\"{kind}\"}}";
    }
}
