using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary><c>rebalancer snapshot</c> against the test API server; the file must plan exactly like the live cluster.</summary>
public sealed class SnapshotCommandTests : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rebalancer-snapshot-{Guid.NewGuid():N}");

    public SnapshotCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Snapshot_Should_ReloadWithPlanToTheSamePlanAsTheLiveCluster()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string file = Path.Combine(_directory, "cluster.json");
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 1);

        (int code, string output, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", file, "--page-size", "25"]);

        Assert.True(code == 0, error);
        Assert.Empty(output);
        Assert.Contains("written to " + file, error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
        Assert.True(server.Journal.Find("GET", "/api/v1/pods").Count > 2);

        (int planCode, string fromFile, string planError) = await CliRunner.RunAsync(
            ["plan", "--snapshot", file, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        Assert.True(planCode == 0, planError);

        (int runCode, string live, string runError) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", kubeconfig, "--policy", CliRunner.DemoPolicy, "--dry-run", "--output", "json"],
            services => services.AddSingleton<TimeProvider>(RunCommandTests.ClockAt(Now)));
        Assert.True(runCode == 0, runError);

        using JsonDocument a = JsonDocument.Parse(fromFile);
        using JsonDocument b = JsonDocument.Parse(live);
        Assert.NotEmpty(a.RootElement.GetProperty("evictions").EnumerateArray());
        foreach (string section in new[] { "evictions", "skipped", "summary", "warnings" })
        {
            Assert.Equal(Comparable(a.RootElement.GetProperty(section)), Comparable(b.RootElement.GetProperty(section)));
        }
    }

    [Fact]
    public async Task Snapshot_Should_WriteToStandardOutput_When_OutIsADash()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

        (int code, string output, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", "-", "--no-metrics"]);

        Assert.True(code == 0, error);
        string[] documents = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(documents);
        using JsonDocument list = JsonDocument.Parse(documents[0]);
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal(server.Store.Count("pods"), list.RootElement.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("kind").GetString() == "Pod"));
    }

    [Fact]
    public async Task Snapshot_Should_Exit1AndWriteNothing_When_AListFails()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string file = Path.Combine(_directory, "cluster.json");
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 2);

        (int code, _, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", file, "--page-size", "25"]);

        Assert.Equal(1, code);
        Assert.Contains("reading pods, page 2", error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
    }

    [Fact]
    public async Task Snapshot_Should_Exit2_When_NoKubeconfigExists()
    {
        (int code, _, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", Path.Combine(_directory, "missing"), "-o", "-"]);

        Assert.Equal(2, code);
        Assert.Contains("file not found", error, StringComparison.Ordinal);
    }

    /// <summary>The section's JSON without the execution outcomes a dry run adds to each eviction.</summary>
    private static string Comparable(JsonElement element)
    {
        JsonNode node = JsonNode.Parse(element.GetRawText())!;
        if (node is JsonArray items)
        {
            foreach (JsonObject item in items.OfType<JsonObject>())
            {
                item.Remove("outcome");
                item.Remove("attempts");
                item.Remove("message");
            }
        }

        return node.ToJsonString();
    }
}
