using System.Text.Json;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary>End-to-end <c>rebalancer run</c> of the sample policy (Consolidation's <c>cordon: true</c>) against the test API server (demo cluster).</summary>
public sealed class RunCordonTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-cordon-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The sample policy: Consolidation cordons the nodes it drains (the default, written out in the sample).</summary>
    internal static string CordonPolicy()
    {
        string policy = File.ReadAllText(CliRunner.DemoPolicy).ReplaceLineEndings("\n");
        Assert.Contains("          cordon: true\n", policy, StringComparison.Ordinal);
        return CliRunner.DemoPolicy;
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(TestApiServer server, params string[] extra) =>
        await CliRunner.RunAsync(
            ["run", "--kubeconfig", server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo"), "--policy", CordonPolicy(),
                "--max-evictions-per-second", "1000", .. extra]);

    private static JsonElement[] Drained(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("consolidation").GetProperty("drained").EnumerateArray().ToArray();

    private static string Name(JsonElement element) => element.GetProperty("node").GetString()!;

    private static bool? Unschedulable(TestApiServer server, string node) => server.Store.Get("nodes", null, node)!["spec"]?["unschedulable"]?.GetValue<bool>();

    [Fact]
    public async Task Run_Should_CordonEveryDrainedNodeBeforeTheFirstEviction_And_ReportIt_When_CordonIsOn()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();

        (int code, string output, string error) = await RunAsync(server, "--output", "json");

        Assert.True(code == 0, error);
        JsonElement[] drained = Drained(output);
        Assert.NotEmpty(drained);
        // Each drained node is cordoned (with its marker) before its evictions; at the end its marker says the drain is complete.
        IReadOnlyList<JournalEntry> patches = server.Journal.Find("PATCH", "/api/v1/nodes/*");
        Assert.Equal([.. drained.Select(d => "/api/v1/nodes/" + Name(d)), .. drained.Select(d => "/api/v1/nodes/" + Name(d))], patches.Select(p => p.Path));
        // Every drained node is cordoned before the run's first eviction, not only before its own (issue #16).
        long firstEviction = server.Journal.Find("POST", "/api/v1/namespaces/*/pods/*/eviction").Min(e => e.Sequence);
        Assert.All(patches.Take(drained.Length), p => Assert.True(p.Sequence < firstEviction, $"{p.Path} was cordoned after the run's first eviction"));
        foreach (JsonElement node in drained)
        {
            JsonElement cordon = node.GetProperty("cordon");
            Assert.Equal(("Cordon", "Cordoned", 2, 200), (cordon.GetProperty("action").GetString(), cordon.GetProperty("outcome").GetString(),
                cordon.GetProperty("attempts").GetInt32(), cordon.GetProperty("httpStatus").GetInt32()));
            Assert.False(cordon.TryGetProperty("message", out _));
            Assert.True(Unschedulable(server, Name(node)));
            Assert.Equal("complete", server.Store.Get("nodes", null, Name(node))!["metadata"]!["annotations"]!["rebalancer.io/drain"]!.GetValue<string>());

            // Every pod of the node was evicted after its cordon.
            long cordonedAt = patches.First(p => p.Path == "/api/v1/nodes/" + Name(node)).Sequence;
            foreach (JsonElement move in node.GetProperty("moves").EnumerateArray())
            {
                string path = $"/api/v1/namespaces/{move.GetProperty("namespace").GetString()}/pods/{move.GetProperty("name").GetString()}/eviction";
                JournalEntry eviction = server.Journal.Find("POST", path).Single();
                Assert.True(eviction.Sequence > cordonedAt, $"{path} was sent before its node was cordoned");
                Assert.Equal(201, eviction.StatusCode);
            }
        }

        Assert.Contains($"{drained.Length} node(s) to cordon: {drained.Length} Cordoned", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_SendNoPatch_When_ClientDryRun()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();

        (int code, string output, string error) = await RunAsync(server, "--output", "json", "--dry-run");

        Assert.True(code == 0, error);
        JsonElement[] drained = Drained(output);
        Assert.NotEmpty(drained);
        Assert.All(drained, d => Assert.Equal("DryRun", d.GetProperty("cordon").GetProperty("outcome").GetString()));
        Assert.Empty(server.Journal.Find("PATCH", "/**"));
        Assert.All(drained, d => Assert.Null(Unschedulable(server, Name(d))));
    }

    [Fact]
    public async Task Run_Should_SendTheCordonsWithDryRunAll_When_ServerDryRun()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();

        (int code, string output, string error) = await RunAsync(server, "--output", "json", "--dry-run=server");

        Assert.True(code == 0, error);
        JsonElement[] drained = Drained(output);
        IReadOnlyList<JournalEntry> patches = server.Journal.Find("PATCH", "/api/v1/nodes/*");
        Assert.Equal(drained.Length, patches.Count);
        Assert.All(patches, p => Assert.Equal(("All", 200), (p.QueryValue("dryRun"), p.StatusCode)));
        Assert.All(drained, d => Assert.Null(Unschedulable(server, Name(d))));
    }

    [Fact]
    public async Task Run_Should_ShowTheCordonsInTheTextReport()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Faults.FailWith(403, "PATCH", "/api/v1/nodes/*", times: 1, reason: "Forbidden");

        (int code, string output, string error) = await RunAsync(server, "--output", "text");

        Assert.True(code == 0, error);
        Assert.Contains("Cordon", output, StringComparison.Ordinal);
        Assert.Contains("cordon failed (HTTP 403)", output, StringComparison.Ordinal);
        Assert.Contains("CordonFailed: node", error, StringComparison.Ordinal);
        Assert.Contains("NotAttempted", error, StringComparison.Ordinal);
    }
}
