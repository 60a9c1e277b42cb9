using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Rebalancer.Cli.Commands;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary>End-to-end <c>rebalancer run</c> in-process against the test API server loaded with the demo cluster.</summary>
public sealed class RunCommandTests : IDisposable
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rebalancer-run-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    internal static Task<TestApiServer> StartDemoAsync() =>
        TestApiServer.StartAsync(new TestApiServerOptions { SnapshotPath = CliRunner.DemoSnapshot });

    private string Kubeconfig(TestApiServer server) => server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

    private static JsonElement[] Evictions(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("evictions").EnumerateArray().ToArray();

    [Fact]
    public async Task Run_Should_EvictThePlannedPods_And_ReportTheirOutcomes()
    {
        await using TestApiServer server = await StartDemoAsync();
        int podsBefore = server.Store.Count("pods");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--max-evictions-per-second", "1000"]);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output);
        Assert.Equal("run", report.RootElement.GetProperty("metadata").GetProperty("mode").GetString());
        Assert.Contains("context demo", report.RootElement.GetProperty("metadata").GetProperty("source").GetString(), StringComparison.Ordinal);
        JsonElement[] evictions = Evictions(output);
        Assert.NotEmpty(evictions);
        IReadOnlyList<JournalEntry> posts = server.Journal.Find("POST", EvictionPath);
        foreach (JsonElement eviction in evictions)
        {
            string ns = eviction.GetProperty("namespace").GetString()!;
            string name = eviction.GetProperty("name").GetString()!;
            Assert.Equal("Evicted", eviction.GetProperty("outcome").GetString());
            Assert.Equal(1, eviction.GetProperty("attempts").GetInt32());
            Assert.Null(server.Store.Get("pods", ns, name));
            Assert.Contains(posts, p => p.Path == $"/api/v1/namespaces/{ns}/pods/{name}/eviction" && p.StatusCode == 201);
        }

        Assert.Equal(evictions.Length, posts.Count);
        Assert.Equal(podsBefore - evictions.Length, server.Store.Count("pods"));
        Assert.Contains($"{evictions.Length} Evicted", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_SendNothing_When_ClientDryRun()
    {
        await using TestApiServer server = await StartDemoAsync();

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--dry-run"]);

        Assert.True(code == 0, error);
        Assert.Equal("dry-run-client", JsonDocument.Parse(output).RootElement.GetProperty("metadata").GetProperty("mode").GetString());
        JsonElement[] evictions = Evictions(output);
        Assert.NotEmpty(evictions);
        Assert.All(evictions, e => Assert.Equal("DryRun", e.GetProperty("outcome").GetString()));
        Assert.Empty(server.Journal.Find("POST", "/**"));
    }

    [Fact]
    public async Task Run_Should_NeverCallTheExecutor_When_ClientDryRun()
    {
        await using TestApiServer server = await StartDemoAsync();
        var executor = new Mock<IEvictionExecutor>(MockBehavior.Strict);
        var dependencies = RunDependencies.Default with { CreateExecutor = (_, _, _) => executor.Object };

        (int code, _, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--dry-run"],
            services => services.AddSingleton(dependencies));

        Assert.True(code == 0, error);
        executor.Verify(e => e.ExecuteAsync(It.IsAny<Plan>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Run_Should_CallTheExecutorOnceWithThePolicySettings_When_NotADryRun()
    {
        await using TestApiServer server = await StartDemoAsync();
        var executor = new Mock<IEvictionExecutor>();
        executor.Setup(e => e.ExecuteAsync(It.IsAny<Plan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Plan plan, CancellationToken _) => ExecutionResult.ClientDryRun(plan));
        EvictionExecutorOptions? seen = null;
        var dependencies = RunDependencies.Default with
        {
            CreateExecutor = (_, options, _) =>
            {
                seen = options;
                return executor.Object;
            },
        };

        (int code, _, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--dry-run=server"],
            services => services.AddSingleton(dependencies),
            new Dictionary<string, string?> { ["REBALANCER_MAX_EVICTIONS_PER_SECOND"] = "7" });

        Assert.True(code == 0, error);
        executor.Verify(e => e.ExecuteAsync(It.IsAny<Plan>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(ExecutionMode.ServerDryRun, seen!.Mode);
        Assert.Equal(7, seen.EvictionsPerSecond); // from the environment variable
    }

    [Fact]
    public async Task Run_Should_SendDryRunsAndChangeNothing_When_ServerDryRun()
    {
        await using TestApiServer server = await StartDemoAsync();
        int podsBefore = server.Store.Count("pods");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--dry-run=server", "--max-evictions-per-second", "1000"]);

        Assert.True(code == 0, error);
        JsonElement[] evictions = Evictions(output);
        Assert.NotEmpty(evictions);
        Assert.All(evictions, e => Assert.Equal("ServerDryRunAccepted", e.GetProperty("outcome").GetString()));
        IReadOnlyList<JournalEntry> posts = server.Journal.Find("POST", EvictionPath);
        Assert.Equal(evictions.Length, posts.Count);
        Assert.All(posts, p => Assert.Contains("\"dryRun\":[\"All\"]", p.Body, StringComparison.Ordinal));
        Assert.Equal(podsBefore, server.Store.Count("pods"));
    }

    [Fact]
    public async Task Run_Should_ReportBlockedEvictionsAndStillSucceed_When_TheServerRefuses()
    {
        await using TestApiServer server = await StartDemoAsync();
        server.Faults.FailWith(404, "POST", EvictionPath, reason: "NotFound", message: "pods \"x\" not found");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--max-evictions-per-second", "1000"]);

        Assert.True(code == 0, error);
        Assert.All(Evictions(output), e => Assert.Equal("NotFound", e.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Run_Should_Exit1_When_TheRunAborts()
    {
        await using TestApiServer server = await StartDemoAsync();
        server.Faults.FailWith(403, "POST", EvictionPath, reason: "Forbidden");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--max-evictions-per-second", "1000"]);

        Assert.Equal(1, code);
        Assert.Contains("aborted", error, StringComparison.Ordinal);
        JsonElement[] evictions = Evictions(output); // the report is still written
        Assert.Contains(evictions, e => e.GetProperty("outcome").GetString() == "Failed");
    }

    [Fact]
    public async Task Run_Should_Exit2WithAClearMessage_When_TheKubeconfigIsMissing()
    {
        string missing = Path.Combine(_directory, "no-such-kubeconfig");

        (int code, string output, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", missing]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_Exit2_When_TheContextIsUnknown()
    {
        await using TestApiServer server = await StartDemoAsync();

        (int code, _, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", Kubeconfig(server), "--context", "prod"]);

        Assert.Equal(2, code);
        Assert.Contains("no context named prod (contexts: demo)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_Exit1_When_TheServerIsUnreachable()
    {
        string kubeconfig;
        await using (TestApiServer server = await StartDemoAsync())
        {
            kubeconfig = Kubeconfig(server);
        }

        (int code, _, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", kubeconfig]);

        Assert.Equal(1, code);
        Assert.Contains("cannot reach the API server", error, StringComparison.Ordinal);
        Assert.Contains("context demo", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_Exit1_When_TheClusterCannotBeRead()
    {
        await using TestApiServer server = await StartDemoAsync();
        server.Faults.FailWith(403, "GET", "/api/v1/pods", reason: "Forbidden");

        (int code, _, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", Kubeconfig(server)]);

        Assert.Equal(1, code);
        Assert.Contains("reading pods, page 1", error, StringComparison.Ordinal);
        Assert.Empty(server.Journal.Find("POST", EvictionPath));
        Assert.Null(server.Store.Get<k8s.Models.V1Lease>("default", "rebalancer")!.Spec.HolderIdentity); // taken, then released
    }

    [Theory]
    [InlineData("--dry-run=everything", "--dry-run")]
    [InlineData("--max-evictions-per-second=0", "--max-evictions-per-second")]
    public async Task Run_Should_Exit2_When_AnOptionIsInvalid(string option, string named)
    {
        (int code, _, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", "unused", option]);

        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    internal static FakeTimeProvider ClockAt(string now) => new(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
}
