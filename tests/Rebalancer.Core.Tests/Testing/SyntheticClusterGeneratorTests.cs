using System.Globalization;
using System.Text.Json;
using Rebalancer.Core.Model;
using Rebalancer.Testing.Synthetic;

namespace Rebalancer.Core.Tests.Testing;

public sealed class SyntheticClusterGeneratorTests
{
    private static readonly SyntheticClusterOptions Small = new()
    {
        Nodes = 60,
        Pods = 1_500,
        Seed = 7,
        CordonedNodes = 2,
        DuplicateFraction = 0.2,
    };

    [Fact]
    public void Same_seed_gives_identical_bytes()
    {
        byte[] first = Generate(Small);
        byte[] second = Generate(Small);

        Assert.Equal(first, second);
        Assert.NotEqual(first, Generate(Small with { Seed = 8 }));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Output_is_valid_json_in_every_layout(bool realism, bool indented)
    {
        List<JsonDocument> documents = Parse(Generate(Small with { Realism = realism, Indented = indented, ManagedFields = realism }));

        Assert.Equal(["List", "NodeMetricsList", "PodMetricsList"], documents.Select(d => d.RootElement.GetProperty("kind").GetString()));
        Assert.Equal("v1", documents[0].RootElement.GetProperty("apiVersion").GetString());
        Assert.All(documents.Skip(1), d => Assert.Equal("metrics.k8s.io/v1beta1", d.RootElement.GetProperty("apiVersion").GetString()));
    }

    [Fact]
    public void Metrics_can_be_left_out()
    {
        List<JsonDocument> documents = Parse(Generate(Small with { IncludeMetrics = false }));

        Assert.Single(documents);
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(60, 1_500)]
    [InlineData(200, 6_000)]
    public void Writes_the_requested_numbers_of_nodes_and_pods(int nodes, int pods)
    {
        var options = new SyntheticClusterOptions { Nodes = nodes, Pods = pods, Seed = 3 };
        Cluster cluster = Cluster.Read(Generate(options));

        Assert.Equal(nodes, cluster.Nodes.Count);
        Assert.Equal(pods, cluster.Pods.Count);
        Assert.Equal(pods, cluster.Pods.Select(p => (p.Namespace, p.Name)).Distinct().Count());
        Assert.Equal(cluster.Items.Count, cluster.Items.Select(i => i.GetProperty("metadata").GetProperty("uid").GetString()).Distinct().Count());
    }

    [Fact]
    public void Too_few_pods_for_the_daemonsets_is_rejected()
    {
        var options = new SyntheticClusterOptions { Nodes = 100, Pods = 200, DaemonSets = 3 };

        Assert.Throws<ArgumentException>(() => Generate(options));
    }

    [Fact]
    public void Every_bound_pod_fits_its_node()
    {
        Cluster cluster = Cluster.Read(Generate(Small));
        var catalog = new ResourceCatalog();
        var used = new Dictionary<string, long[]>(StringComparer.Ordinal);

        foreach (PodView pod in cluster.Pods.Where(p => p.NodeName is not null))
        {
            long[] sum = used.TryGetValue(pod.NodeName!, out long[]? s) ? s : used[pod.NodeName!] = new long[8];
            long[] requests = EffectiveRequests(pod.Element, catalog);
            for (int r = 0; r < requests.Length; r++)
            {
                sum[r] += requests[r];
            }
        }

        Assert.NotEmpty(used);
        foreach ((string node, long[] sum) in used)
        {
            JsonElement allocatable = cluster.Nodes[node].GetProperty("status").GetProperty("allocatable");
            foreach (JsonProperty resource in allocatable.EnumerateObject())
            {
                int id = catalog.GetOrAdd(resource.Name);
                if (id < sum.Length)
                {
                    Assert.True(sum[id] <= Quantity.Parse(resource.Value.GetString()!, id),
                        $"{node}: {resource.Name} requested {sum[id]} > allocatable {resource.Value.GetString()}");
                }
            }
        }
    }

    [Fact]
    public void Duplicates_are_present()
    {
        Cluster cluster = Cluster.Read(Generate(Small));

        int duplicates = cluster.Pods
            .Where(p => p.NodeName is not null && p.OwnerKind is "ReplicaSet" or "StatefulSet")
            .GroupBy(p => (p.OwnerUid, p.NodeName))
            .Count(g => g.Count() > 1);

        Assert.True(duplicates >= 5, $"only {duplicates} owner/node pairs with duplicates");
    }

    [Fact]
    public void Pod_disruption_budget_status_follows_the_disruption_controller()
    {
        Cluster cluster = Cluster.Read(Generate(Small));
        List<JsonElement> pdbs = cluster.OfKind("PodDisruptionBudget");

        Assert.NotEmpty(pdbs);
        foreach (JsonElement pdb in pdbs)
        {
            JsonElement status = pdb.GetProperty("status");
            string ns = pdb.GetProperty("metadata").GetProperty("namespace").GetString()!;
            JsonElement selector = pdb.GetProperty("spec").GetProperty("selector");
            string app = selector.TryGetProperty("matchLabels", out JsonElement labels)
                ? labels.GetProperty("app.kubernetes.io/name").GetString()!
                : selector.GetProperty("matchExpressions")[0].GetProperty("values")[0].GetString()!;
            int healthy = cluster.Pods.Count(p => p.Namespace == ns && p.App == app && p.Ready);

            Assert.Equal(healthy, status.GetProperty("currentHealthy").GetInt32());
            Assert.Equal(
                Math.Max(0, status.GetProperty("currentHealthy").GetInt32() - status.GetProperty("desiredHealthy").GetInt32()),
                status.GetProperty("disruptionsAllowed").GetInt32());
            Assert.Equal(pdb.GetProperty("metadata").GetProperty("generation").GetInt64(), status.GetProperty("observedGeneration").GetInt64());
        }
    }

    [Fact]
    public void Realism_changes_the_detail_not_the_cluster()
    {
        Cluster real = Cluster.Read(Generate(Small with { Realism = true }));
        Cluster lean = Cluster.Read(Generate(Small with { Realism = false }));

        Assert.Equal(real.Pods.Select(p => (p.Namespace, p.Name, p.NodeName, p.Uid)), lean.Pods.Select(p => (p.Namespace, p.Name, p.NodeName, p.Uid)));
        Assert.Equal(real.Nodes.Keys, lean.Nodes.Keys);
    }

    [Fact]
    public void Lists_are_in_api_server_order_and_nodes_are_labelled()
    {
        Cluster cluster = Cluster.Read(Generate(Small));

        List<string> kinds = cluster.Items.Select(i => i.GetProperty("kind").GetString()!).Distinct().ToList();
        Assert.Equal(["Node", "Pod", "PodDisruptionBudget", "Namespace", "PriorityClass", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
            "CronJob", "HorizontalPodAutoscaler", "PersistentVolume", "PersistentVolumeClaim", "ResourceQuota"], kinds);
        foreach (string kind in kinds.Where(k => k is not ("Node" or "PersistentVolume" or "PriorityClass" or "Namespace")))
        {
            List<string> keys = [.. cluster.OfKind(kind).Select(Key)];
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        }

        AssertInventoryMatchesThePods(cluster);
        List<string> podKeys = cluster.Pods.Select(p => p.Namespace + "/" + p.Name).ToList();
        Assert.Equal(podKeys.Order(StringComparer.Ordinal), podKeys);
        foreach (JsonElement node in cluster.Nodes.Values)
        {
            JsonElement labels = node.GetProperty("metadata").GetProperty("labels");
            Assert.StartsWith("eu-west-1", labels.GetProperty("topology.kubernetes.io/zone").GetString(), StringComparison.Ordinal);
            Assert.True(labels.TryGetProperty("karpenter.sh/capacity-type", out _) || labels.TryGetProperty("eks.amazonaws.com/capacityType", out _));
            Assert.True(labels.TryGetProperty(SyntheticClusterGenerator.PoolLabel, out _));
        }

        Assert.Equal(2, cluster.Nodes.Values.Count(n => n.GetProperty("spec").TryGetProperty("unschedulable", out _)));
    }

    [Fact]
    public void WriteToFile_creates_the_directory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "rebalancer-synthetic-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = SyntheticClusterGenerator.WriteToFile(Small with { Pods = 400, Nodes = 10 }, Path.Combine(dir, "sub", "c.json"));

            Assert.True(File.Exists(path));
            Assert.Equal(400, Cluster.Read(File.ReadAllBytes(path)).Pods.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Demo_cluster_has_the_advertised_cases()
    {
        byte[] bytes = GenerateDemo();
        Cluster cluster = Cluster.Read(bytes);

        Assert.Equal(50, cluster.Nodes.Count);
        Assert.Equal(3, Parse(bytes).Count);
        Assert.Contains(cluster.OfKind("PodDisruptionBudget"), p => p.GetProperty("status").GetProperty("disruptionsAllowed").GetInt32() == 0);
        Assert.Contains(cluster.Pods, p => p.Annotation("cluster-autoscaler.kubernetes.io/safe-to-evict") == "false");
        Assert.Contains(cluster.Pods, p => p.Annotation("karpenter.sh/do-not-disrupt") == "true");
        Assert.Contains(cluster.Pods, p => p.OwnerKind is null);
        Assert.Contains(cluster.Pods, p => p.Namespace == "kube-system" && p.Name.StartsWith("coredns-", StringComparison.Ordinal)
            && p.Element.GetProperty("spec").GetProperty("priorityClassName").GetString() == "system-cluster-critical");
        Assert.Single(cluster.Nodes.Values, n => n.GetProperty("spec").TryGetProperty("unschedulable", out _));
        Assert.True(cluster.Pods.Where(p => p.OwnerKind == "ReplicaSet").GroupBy(p => (p.OwnerUid, p.NodeName)).Count(g => g.Count() > 1) >= 5);
        Assert.True(bytes.Length < 5 * 1024 * 1024, $"demo is {bytes.Length} bytes");
        Assert.Equal(bytes, GenerateDemo());

        // The inventory the findings and recommendations start from: every kind, consistent with the pods.
        AssertInventoryMatchesThePods(cluster);
        Assert.Equal(3, cluster.OfKind("Job").Count(j => j.GetProperty("metadata").TryGetProperty("ownerReferences", out _)));
        Assert.Contains(cluster.OfKind("Job"), j => j.GetProperty("status").TryGetProperty("failed", out _));
        Assert.Contains(cluster.OfKind("CronJob"), c => c.GetProperty("spec").GetProperty("suspend").GetBoolean());
        Assert.Contains(cluster.OfKind("PersistentVolume"), v => v.GetProperty("status").GetProperty("phase").GetString() == "Released");
        Assert.Contains(cluster.OfKind("HorizontalPodAutoscaler"), h => h.GetProperty("spec").GetProperty("metrics")[0].TryGetProperty("containerResource", out _));
        Assert.Contains(cluster.OfKind("ReplicaSet"), r => r.GetProperty("spec").GetProperty("replicas").GetInt32() == 0);
        Assert.Equal(3, cluster.OfKind("LimitRange").Count);
        Assert.Equal(3, cluster.OfKind("ResourceQuota").Count);
    }

    private static string Key(JsonElement item)
    {
        JsonElement metadata = item.GetProperty("metadata");
        return (metadata.TryGetProperty("namespace", out JsonElement ns) ? ns.GetString() + "/" : string.Empty) + metadata.GetProperty("name").GetString();
    }

    /// <summary>
    /// Every owner a pod or an object names exists with that uid (Pod → ReplicaSet → Deployment, Pod → StatefulSet,
    /// DaemonSet or Job → CronJob), every claim a pod mounts exists and is bound to a volume that points back at it, and
    /// every HPA scales a workload that exists.
    /// </summary>
    private static void AssertInventoryMatchesThePods(Cluster cluster)
    {
        var uids = new Dictionary<(string Kind, string Key), string>();
        foreach (JsonElement item in cluster.Items)
        {
            uids.Add((item.GetProperty("kind").GetString()!, Key(item)), item.GetProperty("metadata").GetProperty("uid").GetString()!);
        }

        foreach (JsonElement item in cluster.Items)
        {
            JsonElement metadata = item.GetProperty("metadata");
            if (!metadata.TryGetProperty("ownerReferences", out JsonElement owners))
            {
                continue;
            }

            foreach (JsonElement owner in owners.EnumerateArray())
            {
                string key = metadata.GetProperty("namespace").GetString() + "/" + owner.GetProperty("name").GetString();
                Assert.True(uids.TryGetValue((owner.GetProperty("kind").GetString()!, key), out string? uid), $"{Key(item)}: owner {key} is not in the file");
                Assert.Equal(uid, owner.GetProperty("uid").GetString());
            }
        }

        foreach (PodView pod in cluster.Pods)
        {
            if (!pod.Element.GetProperty("spec").TryGetProperty("volumes", out JsonElement volumes))
            {
                continue;
            }

            foreach (JsonElement volume in volumes.EnumerateArray())
            {
                if (volume.TryGetProperty("persistentVolumeClaim", out JsonElement claim))
                {
                    Assert.True(uids.ContainsKey(("PersistentVolumeClaim", pod.Namespace + "/" + claim.GetProperty("claimName").GetString())), $"{pod.Name}: claim missing");
                }
            }
        }

        Dictionary<string, JsonElement> volumesByName = cluster.OfKind("PersistentVolume").ToDictionary(Key);
        foreach (JsonElement claim in cluster.OfKind("PersistentVolumeClaim"))
        {
            JsonElement volume = volumesByName[claim.GetProperty("spec").GetProperty("volumeName").GetString()!];
            Assert.Equal(claim.GetProperty("metadata").GetProperty("uid").GetString(), volume.GetProperty("spec").GetProperty("claimRef").GetProperty("uid").GetString());
        }

        foreach (JsonElement hpa in cluster.OfKind("HorizontalPodAutoscaler"))
        {
            JsonElement target = hpa.GetProperty("spec").GetProperty("scaleTargetRef");
            Assert.True(uids.ContainsKey((target.GetProperty("kind").GetString()!, hpa.GetProperty("metadata").GetProperty("namespace").GetString() + "/" + target.GetProperty("name").GetString())));
        }
    }

    [Fact]
    public void Committed_demo_sample_is_what_the_generator_writes()
    {
        string? root = RepositoryRoot();
        Assert.NotNull(root);
        string sample = Path.Combine(root!, "samples", "demo-cluster.json");
        string committed = File.ReadAllText(sample).ReplaceLineEndings("\n");
        string generated = System.Text.Encoding.UTF8.GetString(GenerateDemo());

        Assert.True(committed == generated,
            "samples/demo-cluster.json is stale: regenerate it with `dotnet run -c Release --project benchmarks/Rebalancer.Benchmarks -- demo -o samples/demo-cluster.json`.");
    }

    private static string? RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (string? dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Rebalancer.sln")) && Directory.Exists(Path.Combine(dir, "samples")))
                {
                    return dir;
                }
            }
        }

        return null;
    }

    private static byte[] Generate(SyntheticClusterOptions options)
    {
        using var stream = new MemoryStream();
        SyntheticClusterGenerator.Write(options, stream);
        return stream.ToArray();
    }

    private static byte[] GenerateDemo()
    {
        using var stream = new MemoryStream();
        DemoCluster.Write(stream);
        return stream.ToArray();
    }

    private static List<JsonDocument> Parse(byte[] bytes)
    {
        var documents = new List<JsonDocument>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            documents.Add(JsonDocument.ParseValue(ref reader));
        }

        return documents;
    }

    /// <summary>Effective requests (the scheduler's rule, via <see cref="PodResources"/>), indexed by resource id.</summary>
    private static long[] EffectiveRequests(JsonElement pod, ResourceCatalog catalog)
    {
        var containers = new List<ContainerRecord>();
        JsonElement spec = pod.GetProperty("spec");
        void Add(JsonElement c, ContainerKind kind)
        {
            var record = new ContainerRecord { Kind = kind };
            if (c.GetProperty("resources").TryGetProperty("requests", out JsonElement requests))
            {
                foreach (JsonProperty r in requests.EnumerateObject())
                {
                    int id = catalog.GetOrAdd(r.Name);
                    record.Requests.Add(new ResourceAmount(id, Quantity.Parse(r.Value.GetString()!, id)));
                }
            }

            containers.Add(record);
        }

        foreach (JsonElement c in spec.GetProperty("containers").EnumerateArray())
        {
            Add(c, ContainerKind.Regular);
        }

        if (spec.TryGetProperty("initContainers", out JsonElement inits))
        {
            foreach (JsonElement c in inits.EnumerateArray())
            {
                Add(c, c.TryGetProperty("restartPolicy", out JsonElement rp) && rp.GetString() == "Always" ? ContainerKind.SidecarInit : ContainerKind.Init);
            }
        }

        var result = new long[8];
        PodResources.EffectiveRequests(containers, [], result);
        result[ResourceCatalog.Pods] = 1;
        return result;
    }

    /// <summary>The quantity forms the generator writes: plain, m, n, Ki, Mi, Gi (cpu in millicores).</summary>
    private static class Quantity
    {
        public static long Parse(string value, int resource)
        {
            (string digits, double scale) = value switch
            {
                _ when value.EndsWith("Ki", StringComparison.Ordinal) => (value[..^2], 1024.0),
                _ when value.EndsWith("Mi", StringComparison.Ordinal) => (value[..^2], 1024.0 * 1024),
                _ when value.EndsWith("Gi", StringComparison.Ordinal) => (value[..^2], 1024.0 * 1024 * 1024),
                _ when value.EndsWith('m') => (value[..^1], 0.001),
                _ when value.EndsWith('n') => (value[..^1], 1e-9),
                _ => (value, 1.0),
            };
            double amount = double.Parse(digits, CultureInfo.InvariantCulture) * scale;
            return (long)Math.Ceiling(resource == ResourceCatalog.Cpu ? amount * 1000 - 1e-6 : amount - 1e-6);
        }
    }

    private sealed record PodView(JsonElement Element)
    {
        private JsonElement Metadata => Element.GetProperty("metadata");

        public string Namespace => Metadata.GetProperty("namespace").GetString()!;

        public string Name => Metadata.GetProperty("name").GetString()!;

        public string Uid => Metadata.GetProperty("uid").GetString()!;

        public string? NodeName => Element.GetProperty("spec").TryGetProperty("nodeName", out JsonElement n) ? n.GetString() : null;

        public string? OwnerKind => Metadata.TryGetProperty("ownerReferences", out JsonElement o) ? o[0].GetProperty("kind").GetString() : null;

        public string? OwnerUid => Metadata.TryGetProperty("ownerReferences", out JsonElement o) ? o[0].GetProperty("uid").GetString() : null;

        public string? App => Metadata.GetProperty("labels").TryGetProperty("app.kubernetes.io/name", out JsonElement a) ? a.GetString() : null;

        public bool Ready => Element.GetProperty("status").TryGetProperty("conditions", out JsonElement conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");

        public string? Annotation(string key) =>
            Metadata.TryGetProperty("annotations", out JsonElement a) && a.TryGetProperty(key, out JsonElement v) ? v.GetString() : null;
    }

    private sealed class Cluster
    {
        public List<JsonElement> Items { get; } = [];

        public Dictionary<string, JsonElement> Nodes { get; } = new(StringComparer.Ordinal);

        public List<PodView> Pods { get; } = [];

        public static Cluster Read(byte[] bytes)
        {
            var cluster = new Cluster();
            JsonDocument list = Parse(bytes)[0];
            foreach (JsonElement item in list.RootElement.GetProperty("items").EnumerateArray())
            {
                cluster.Items.Add(item);
                switch (item.GetProperty("kind").GetString())
                {
                    case "Node":
                        cluster.Nodes.Add(item.GetProperty("metadata").GetProperty("name").GetString()!, item);
                        break;
                    case "Pod":
                        cluster.Pods.Add(new PodView(item));
                        break;
                }
            }

            return cluster;
        }

        public List<JsonElement> OfKind(string kind) => [.. Items.Where(i => i.GetProperty("kind").GetString() == kind)];
    }
}
