using System.Text.Json;
using System.Text.Json.Nodes;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary>End-to-end <c>rebalancer explain</c> in-process, on a small snapshot built here and on the demo cluster served live.</summary>
public sealed class ExplainCommandTests : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";

    private const string Policy = """
        apiVersion: descheduler/v1alpha2
        kind: DeschedulerPolicy
        profiles:
          - name: taints
            plugins:
              deschedule:
                enabled: [RemovePodsViolatingNodeTaints]
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-explain-").FullName;

    public ExplainCommandTests()
    {
        File.WriteAllText(SnapshotFile, Cluster().ToJsonString());
        File.WriteAllText(PolicyFile, Policy);
    }

    private string SnapshotFile => Path.Combine(_directory, "cluster.json");

    private string PolicyFile => Path.Combine(_directory, "policy.yaml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// n1 (8 cores) carries a taint no pod tolerates, so RemovePodsViolatingNodeTaints decides about every pod on it;
    /// n2 (4 cores, 2.1 used by "filler" and "quiet") is where they could go. "web-0" moves there first; "db-0" is under
    /// a PDB with no budget; "agent-n1" is a DaemonSet pod; "big-0" asks for 3 cores and finds 1800m free on n2 — the
    /// projection counts web-0's move; "quiet" runs on n2, where no plugin looks.
    /// </summary>
    private static JsonObject Cluster() => KubectlList(
        Node("n1", "8", ("dedicated", "gpu")),
        Node("n2", "4"),
        Pod("web-0", "n1", "100m", ("ReplicaSet", "web"), "web"),
        Pod("db-0", "n1", "100m", ("StatefulSet", "db"), "db"),
        Pod("agent-n1", "n1", "100m", ("DaemonSet", "agent"), "agent"),
        Pod("big-0", "n1", "3", ("ReplicaSet", "big"), "big"),
        Pod("filler", "n2", "2", ("ReplicaSet", "filler"), "filler"),
        Pod("quiet", "n2", "100m", ("ReplicaSet", "quiet"), "quiet"),
        Pdb("db", "db", allowed: 0));

    public static TheoryData<string, string, string, string[]> Pods => new()
    {
        { "evicted", "shop/web-0", "Evicted", ["Evicted", "taint dedicated=gpu:NoSchedule on n1 is not tolerated", "Evicted #1: n1 → n2"] },
        { "PDB-blocked", "shop/db-0", "Skipped", ["Skipped: PDB", "PodDisruptionBudget shop/db allows no more disruptions (remaining budget 0", "shop/db: 0 disruption(s) allowed"] },
        { "protected", "shop/agent-n1", "Skipped", ["Skipped: Protected:DaemonSet", "owned by a DaemonSet", "protected: Protected:DaemonSet"] },
        { "no fitting node", "shop/big-0", "Skipped", ["Skipped: NodeFit", "best candidate n2: insufficient cpu (requests 3, free 1800m)"] },
        { "not looked at", "shop/quiet", "NotConsidered", ["No plugin recorded a decision", "no plugin looked at it", "evictable"] },
    };

    [Theory]
    [MemberData(nameof(Pods))]
    public async Task Explain_Should_PrintThePodsRecord_AsText(string name, string pod, string outcome, string[] expected)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["explain", pod, "--snapshot", SnapshotFile, "--policy", PolicyFile, "--now", Now]);

        Assert.True(code == 0, $"{name}: {error}");
        Assert.Contains($"Rebalancer {CliApp.Version}: explain {pod}", output, StringComparison.Ordinal);
        Assert.Contains("Outcome  " + outcome, output, StringComparison.Ordinal);
        Assert.All(expected, text => Assert.Contains(text, output, StringComparison.Ordinal));
        Assert.Contains("RemovePodsViolatingNodeTaints", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shop/web-0", "Evicted", "Evicted", null, null)]
    [InlineData("shop/db-0", "Skipped", "PDB", null, null)]
    [InlineData("shop/agent-n1", "Skipped", "Protected:DaemonSet", null, null)]
    [InlineData("shop/big-0", "Skipped", "NodeFit", "n2", "Resources")]
    [InlineData("shop/quiet", "NotConsidered", null, null, null)]
    public async Task Explain_Should_PrintTheRecord_AsJson(string pod, string outcome, string? reason, string? fitNode, string? predicate)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["explain", pod, "--snapshot", SnapshotFile, "--policy", PolicyFile, "--now", Now, "--output", "json"]);

        Assert.True(code == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("PodExplanation", root.GetProperty("kind").GetString());
        Assert.Equal("explain", root.GetProperty("metadata").GetProperty("mode").GetString());
        Assert.Equal(Now, root.GetProperty("metadata").GetProperty("now").GetString());
        Assert.Equal(pod, root.GetProperty("pod").GetProperty("namespace").GetString() + "/" + root.GetProperty("pod").GetProperty("name").GetString());
        Assert.Equal(outcome, root.GetProperty("outcome").GetString());
        JsonElement[] decisions = [.. root.GetProperty("decisions").EnumerateArray()];
        Assert.Equal(reason is null ? 0 : 1, decisions.Length);
        if (reason is not null)
        {
            JsonElement decision = decisions[0];
            Assert.Equal("RemovePodsViolatingNodeTaints", decision.GetProperty("plugin").GetString());
            Assert.Equal(reason == "Evicted" ? "Evicted" : "Skipped", decision.GetProperty("decision").GetString());
            if (reason == "Evicted")
            {
                Assert.Equal("n2", decision.GetProperty("targetNode").GetString());
            }
            else
            {
                Assert.Equal(reason, decision.GetProperty("reason").GetString());
            }

            Assert.Equal(fitNode, decision.TryGetProperty("fit", out JsonElement fit) ? fit.GetProperty("node").GetString() : null);
            Assert.Equal(predicate, fitNode is null ? null : fit.GetProperty("predicate").GetString());
        }

        JsonElement plugin = Assert.Single(root.GetProperty("plugins").EnumerateArray());
        Assert.Equal((1, 3), (plugin.GetProperty("evictions").GetInt32(), plugin.GetProperty("skipped").GetInt32()));
    }

    [Fact]
    public async Task Explain_Should_NameThePdbAndItsBudget_InJson()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["explain", "shop/db-0", "--snapshot", SnapshotFile, "--policy", PolicyFile, "--now", Now, "--output", "json"]);

        Assert.True(code == 0, error);
        JsonElement pdb = JsonDocument.Parse(output).RootElement.GetProperty("pdb");
        Assert.Equal("shop/db", pdb.GetProperty("name").GetString());
        Assert.Equal((0, 0, 0), (pdb.GetProperty("allowedAtStart").GetInt32(), pdb.GetProperty("spentByPlan").GetInt32(), pdb.GetProperty("remainingAfterPlan").GetInt32()));
    }

    [Fact]
    public async Task Explain_Should_BeReproducible_And_AgreeWithThePlan()
    {
        string[] args = ["explain", "shop/web-0", "--snapshot", SnapshotFile, "--policy", PolicyFile, "--now", Now, "--output", "json"];

        (_, string first, _) = await CliRunner.RunAsync(args);
        (_, string second, _) = await CliRunner.RunAsync(args);
        (int code, string plan, _) = await CliRunner.RunAsync(["plan", "--snapshot", SnapshotFile, "--policy", PolicyFile, "--now", Now, "--output", "json"]);

        Assert.Equal(first, second);
        Assert.Equal(0, code);
        JsonElement eviction = Assert.Single(JsonDocument.Parse(plan).RootElement.GetProperty("evictions").EnumerateArray());
        JsonElement decision = JsonDocument.Parse(first).RootElement.GetProperty("decisions")[0];
        Assert.Equal(eviction.GetProperty("reason").GetString(), decision.GetProperty("reason").GetString());
        Assert.Equal(eviction.GetProperty("targetNode").GetString(), decision.GetProperty("targetNode").GetString());
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["explain", "shop/nope", "--snapshot", "{snapshot}"], "error: pod shop/nope is not in the snapshot {snapshot}" },
        { ["explain", "other/web-0", "--snapshot", "{snapshot}"], "(a pod of that name is in namespace shop)" },
        { ["explain", "web-0", "--snapshot", "{snapshot}"], "'web-0' is not NAMESPACE/NAME" },
        { ["explain", "shop/web-0/x", "--snapshot", "{snapshot}"], "is not NAMESPACE/NAME" },
        { ["explain", "shop/web-0"], "give a snapshot file (--snapshot FILE) or a cluster" },
        { ["explain", "shop/web-0", "--snapshot", "{snapshot}", "--kubeconfig", "kc"], "--snapshot and --kubeconfig: give a snapshot file or a cluster, not both" },
        { ["explain", "shop/web-0", "--snapshot", "{directory}/missing.json"], "missing.json" },
        { ["explain", "shop/web-0", "--snapshot", "{snapshot}", "--output", "markdown"], "markdown" },
        { ["explain", "shop/web-0", "--snapshot", "{snapshot}", "--now", "yesterday"], "--now: 'yesterday' is not an RFC 3339 time" },
        { ["explain", "--snapshot", "{snapshot}"], "error:" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Explain_Should_ExitTwoWithAClearMessage_When_InputIsBad(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(Resolve)];

        (int code, string output, string error) = await CliRunner.RunAsync(resolved);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(Resolve(expected), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_Should_ReadTheLiveCluster_And_NeverEvict()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        (_, string plan, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json"]);
        JsonElement planned = JsonDocument.Parse(plan).RootElement.GetProperty("evictions")[0];
        string pod = planned.GetProperty("namespace").GetString() + "/" + planned.GetProperty("name").GetString();
        int podsBefore = server.Store.Count("pods");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["explain", pod, "--kubeconfig", kubeconfig, "--policy", CliRunner.DemoPolicy, "--output", "json"]);

        Assert.True(code == 0, error);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("Evicted", root.GetProperty("outcome").GetString());
        Assert.Contains("context demo", root.GetProperty("metadata").GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Journal.Find("POST", "/api/v1/namespaces/*/pods/*/eviction"));
        Assert.Equal(podsBefore, server.Store.Count("pods"));
    }

    [Fact]
    public async Task Explain_Should_ExitTwo_When_ThePodIsNotInTheCluster()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

        (int code, _, string error) = await CliRunner.RunAsync(["explain", "nowhere/nothing", "--kubeconfig", kubeconfig]);

        Assert.Equal(2, code);
        Assert.Contains("pod nowhere/nothing is not in the cluster", error, StringComparison.Ordinal);
    }

    private string Resolve(string text) => text.Replace("{snapshot}", SnapshotFile, StringComparison.Ordinal).Replace("{directory}", _directory, StringComparison.Ordinal);

    // ---- kubectl-shaped objects, built rather than pasted ------------------------------------------------------------

    private static JsonObject KubectlList(params JsonObject[] items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray([.. items]),
    };

    private static JsonObject Node(string name, string cpu, (string Key, string Value)? taint = null)
    {
        var spec = new JsonObject();
        if (taint is (string key, string value))
        {
            spec["taints"] = new JsonArray(new JsonObject { ["key"] = key, ["value"] = value, ["effect"] = "NoSchedule" });
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = "uid-" + name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["allocatable"] = new JsonObject { ["cpu"] = cpu, ["memory"] = "16Gi", ["pods"] = "110" },
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            },
        };
    }

    private static JsonObject Pod(string name, string node, string cpu, (string Kind, string Name) owner, string app) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "shop",
            ["uid"] = "uid-" + name,
            ["creationTimestamp"] = "2026-01-01T00:00:00Z",
            ["labels"] = new JsonObject { ["app"] = app },
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = owner.Kind, ["name"] = owner.Name, ["uid"] = "uid-" + owner.Name, ["controller"] = true,
            }),
        },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node,
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "main",
                ["image"] = "registry.example/" + app + ":1",
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = cpu, ["memory"] = "128Mi" } },
            }),
        },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["startTime"] = "2026-01-01T00:00:00Z",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
        },
    };

    private static JsonObject Pdb(string name, string app, int allowed) => new()
    {
        ["apiVersion"] = "policy/v1",
        ["kind"] = "PodDisruptionBudget",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "shop", ["generation"] = 1 },
        ["spec"] = new JsonObject { ["minAvailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } } },
        ["status"] = new JsonObject
        {
            ["observedGeneration"] = 1, ["disruptionsAllowed"] = allowed, ["currentHealthy"] = 1, ["desiredHealthy"] = 1, ["expectedPods"] = 1,
        },
    };
}
