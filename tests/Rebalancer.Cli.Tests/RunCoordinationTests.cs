using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Rebalancer.Cli.Commands;
using Rebalancer.Cli.Hosting;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary>
/// <c>rebalancer run</c> with other runs around: a run killed with SIGKILL mid-drain, a second run while the first still
/// holds the lease, a later run that takes the expired lease over and finishes what the killed run left; and what a run
/// tells as it goes (log lines as evictions settle, the insecure-connection warning, Kubernetes Events).
/// </summary>
public sealed class RunCoordinationTests : IDisposable
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";
    private const string LeasePath = "/apis/coordination.k8s.io/v1/namespaces/default/leases/rebalancer";

    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-coordination-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] RunArgs(TestApiServer server, params string[] extra) =>
        ["run", "--kubeconfig", server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo"), "--policy", RunCordonTests.CordonPolicy(),
            "--max-evictions-per-second", "1000", "--output", "json", .. extra];

    private static V1Lease Lease(TestApiServer server) => server.Store.Get<V1Lease>("default", "rebalancer")!;

    private static string? Annotation(TestApiServer server, string node, string key) =>
        server.Store.Get("nodes", null, node)!["metadata"]?["annotations"]?[key]?.GetValue<string>();

    private static string[] Warnings(string report) =>
        [.. JsonDocument.Parse(report).RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("message").GetString()!)];

    [Fact]
    public async Task Run_Should_FinishWhatAKilledRunLeft_OnceItsLeaseExpires()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();

        // 1. A run in its own process cordons its first drained node, starts evicting its pods (which answer slowly once a
        //    node is cordoned) and is killed with SIGKILL: no end-of-run step, no release of its lease.
        FaultRule slow = server.Faults.Add(new FaultRule
        {
            Kind = FaultKind.Delay,
            Method = "POST",
            PathPattern = EvictionPath,
            Latency = TimeSpan.FromSeconds(60),
            Predicate = _ => server.Journal.Find("PATCH", "/api/v1/nodes/*").Count > 0,
        });
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliRunner.CliAssembly());
        foreach (string arg in RunArgs(server))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string variable in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("REBALANCER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        string killedRun;
        string node;
        using (Process killed = Process.Start(start)!)
        {
            try
            {
                JournalEntry cordon = await server.Journal.WaitForAsync(e => e.Method == "PATCH" && e.StatusCode == 200, TimeSpan.FromSeconds(60));
                node = cordon.Path["/api/v1/nodes/".Length..];
                await Task.Delay(500); // its first eviction is on its way (and stuck in the delay)
            }
            finally
            {
                killed.Kill(entireProcessTree: true);
                await killed.WaitForExitAsync();
            }

            Assert.Equal(137, killed.ExitCode);
        }

        killedRun = Lease(server).Spec.HolderIdentity;
        Assert.False(string.IsNullOrEmpty(killedRun));
        Assert.True(server.Store.Get("nodes", null, node)!["spec"]!["unschedulable"]!.GetValue<bool>());
        Assert.Equal((killedRun, CordonMarker.InProgress), (Annotation(server, node, CordonMarker.CordonedBy), Annotation(server, node, CordonMarker.Drain)));
        server.Faults.Remove(slow);
        int evictionsBefore = server.Journal.Count("POST", EvictionPath);

        // 2. Right away a second run finds the lease held: it reads and plans, evicts nothing, cordons nothing, exits 1.
        server.Journal.Clear();
        (int heldCode, string heldReport, string heldError) = await CliRunner.RunAsync(RunArgs(server), (Action<IServiceCollection>?)null);

        Assert.Equal(1, heldCode);
        Assert.Contains($"another run holds the lease default/rebalancer: {killedRun}", heldError, StringComparison.Ordinal);
        Assert.Contains(Warnings(heldReport), w => w.StartsWith($"another run holds the lease default/rebalancer: {killedRun}, since ", StringComparison.Ordinal)
            && w.EndsWith("this run planned but evicted nothing (exit code 1)", StringComparison.Ordinal));
        JsonElement[] heldEvictions = [.. JsonDocument.Parse(heldReport).RootElement.GetProperty("evictions").EnumerateArray()];
        Assert.NotEmpty(heldEvictions);
        Assert.All(heldEvictions, e => Assert.Equal("NotAttempted", e.GetProperty("outcome").GetString()));
        // The killed run's stuck evictions are journaled with status 0 when the server notices their closed connection,
        // which on a loaded machine can come after the Clear above: only answered requests are this run's.
        Assert.DoesNotContain(server.Journal.Find("POST", EvictionPath), e => e.StatusCode != 0);
        Assert.Empty(server.Journal.Find("PATCH", "/**"));
        Assert.Empty(server.Journal.Find("PUT", "/**"));
        Assert.Equal(killedRun, Lease(server).Spec.HolderIdentity);

        // 3. A minute later (the lease's renewTime moved back past its 60 s duration) the next run takes the lease over,
        //    uncordons the killed run's node before reading the cluster, then plans and runs as usual.
        server.Store.Update("leases", "default", "rebalancer", l => l["spec"]!["renewTime"] = DateTime.UtcNow.AddSeconds(-61).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        server.Journal.Clear();
        (int code, string report, string error) = await CliRunner.RunAsync(RunArgs(server), (Action<IServiceCollection>?)null);

        Assert.True(code == 0, error);
        string[] warnings = Warnings(report);
        Assert.Contains(warnings, w => w.StartsWith($"the lease default/rebalancer was taken over from run {killedRun}, which did not release it", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith($"node {node} was cordoned by run {killedRun} at ", StringComparison.Ordinal)
            && w.EndsWith("uncordoned, as that run would have done (uncordonOnIncompleteDrain)", StringComparison.Ordinal));
        JournalEntry revert = server.Journal.Find("PATCH", "/api/v1/nodes/" + node)[0];
        JournalEntry read = server.Journal.Find("GET", "/api/v1/pods")[0];
        Assert.True(revert.Sequence < read.Sequence, "the interrupted drain is finished before the cluster is read");
        Assert.Contains("\"rebalancer.io/cordoned-by\":null", revert.Body, StringComparison.Ordinal);
        Assert.NotEqual(killedRun, Annotation(server, node, CordonMarker.CordonedBy)); // re-drained by this run, or uncordoned
        Assert.NotEqual(CordonMarker.InProgress, Annotation(server, node, CordonMarker.Drain));
        Assert.Null(Lease(server).Spec.HolderIdentity); // released at the end
        Assert.True(server.Journal.Count("POST", EvictionPath) + evictionsBefore > 0);
        Assert.Contains(server.Store.List<Eventsv1Event>("default"), e => e.Regarding.Name == node && e.Type == "Warning" && e.Reason == "InterruptedDrain" && e.Action == "Uncordon");
    }

    [Fact]
    public async Task Run_Should_EvictNothing_When_AnOverlappingRunHoldsTheLease()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();

        // The first run holds its first eviction until the second run is over: `kubectl create job --from=cronjob/…`
        // started while the CronJob's run is evicting.
        var evicting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dependencies = RunDependencies.Default with
        {
            CreateExecutor = (connection, options, time) => new EvictionExecutor(
                new BeforeEvictionApi(new KubernetesEvictionApi(connection, time), _ =>
                {
                    evicting.TrySetResult();
                    release.Task.Wait(TimeSpan.FromSeconds(60));
                }),
                options,
                time),
        };
        Task<(int Code, string Out, string Error)> first = Task.Run(() => CliRunner.RunAsync(RunArgs(server, "--max-concurrency", "1"), services => services.AddSingleton(dependencies)));
        await evicting.Task.WaitAsync(TimeSpan.FromSeconds(60));

        (int secondCode, string secondReport, string secondError) = await CliRunner.RunAsync(RunArgs(server), (Action<IServiceCollection>?)null);
        int evictionsWhenTheSecondEnded = server.Journal.Count("POST", EvictionPath);
        release.SetResult();
        (int firstCode, string firstReport, string firstError) = await first;

        Assert.True(firstCode == 0, firstError);
        Assert.Equal(1, secondCode);
        Assert.Contains("another run holds the lease default/rebalancer", secondError, StringComparison.Ordinal);
        Assert.Contains(Warnings(secondReport), w => w.StartsWith("another run holds the lease default/rebalancer", StringComparison.Ordinal));
        Assert.Equal(0, evictionsWhenTheSecondEnded); // the first run's first eviction was still held back
        int planned = JsonDocument.Parse(firstReport).RootElement.GetProperty("evictions").GetArrayLength();
        Assert.Equal(planned, server.Journal.Count("POST", EvictionPath)); // every eviction is the first run's
        Assert.Null(Lease(server).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Run_Should_LogEachEvictionAsItSettles_AndWarnOnceOfTheInsecureConnection()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        var stderr = new StringWriter();
        TextWriter error = TextWriter.Synchronized(stderr);
        var seenAtSecondEviction = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dependencies = RunDependencies.Default with
        {
            CreateExecutor = (connection, options, time) => new EvictionExecutor(
                new BeforeEvictionApi(new KubernetesEvictionApi(connection, time), call =>
                {
                    if (call == 2)
                    {
                        lock (error)
                        {
                            seenAtSecondEviction.TrySetResult(stderr.ToString());
                        }
                    }
                }),
                options,
                time),
        };
        var console = new CliConsole(new StringWriter(), error, () => new MemoryStream(), IsTerminal: false);

        int code = await CliApp.RunAsync(RunArgs(server, "--max-concurrency", "1"),
            new CliContext(console, new Dictionary<string, string?>(), services => services.AddSingleton(dependencies)));

        string log;
        lock (error)
        {
            log = stderr.ToString();
        }

        Assert.True(code == 0, log);
        string[] lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        JsonElement[] outcomes = [.. lines.Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("eventName").GetString() == "EvictionOutcome")];
        Assert.NotEmpty(outcomes);
        string firstOutcome = outcomes[0].GetProperty("message").GetString()!;
        Assert.Matches(@"^Evicted: [a-z-]+/[a-z0-9-]+ on [a-z0-9.-]+ \([A-Za-z]+\): HTTP 201, 1 attempt$", firstOutcome);
        Assert.Contains(firstOutcome, await seenAtSecondEviction.Task.WaitAsync(TimeSpan.FromSeconds(30))); // logged before the next eviction was sent
        Assert.DoesNotContain(lines, l => l.Contains("HTTP : ", StringComparison.Ordinal) || l.Contains("HTTP 201: \"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"eventName\":\"NodeChanged\"", StringComparison.Ordinal) && l.Contains("cordon node ", StringComparison.Ordinal));

        string insecure = "is plain http, and a bearer token is sent with every request: the credentials and every answer travel unencrypted";
        Assert.Single(lines, l => l.Contains(insecure, StringComparison.Ordinal) && l.Contains("\"eventName\":\"ConnectionInsecure\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_Should_PutTheInsecureConnectionWarningInTheReport_Once()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

        (int code, string report, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", kubeconfig, "--dry-run", "--output", "json"]);

        Assert.True(code == 0, error);
        string expected = $"context demo (kubeconfig {kubeconfig}): the API server {server.BaseUri} is plain http, and a bearer token is sent with every request: " +
            "the credentials and every answer travel unencrypted, and the server is not authenticated";
        Assert.Equal(expected, Assert.Single(Warnings(report), w => w.Contains("plain http", StringComparison.Ordinal)));
        Assert.Equal(expected, Warnings(report)[0]); // the run's warnings come first
        Assert.Empty(server.Journal.Find("*", "/apis/coordination.k8s.io/**")); // a dry run takes no lease
    }

    [Fact]
    public async Task Run_Should_StopBeforeReading_When_TheLeaseCannotBeTaken()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Faults.FailWith(403, "GET", LeasePath, reason: "Forbidden", message: "leases.coordination.k8s.io \"rebalancer\" is forbidden");

        (int code, string report, string error) = await CliRunner.RunAsync(RunArgs(server), (Action<IServiceCollection>?)null);

        Assert.Equal(1, code);
        Assert.Empty(report);
        Assert.Contains("needs get, create and update on leases (coordination.k8s.io) in namespace default", error, StringComparison.Ordinal);
        Assert.Contains("nothing was read or evicted", error, StringComparison.Ordinal);
        Assert.Empty(server.Journal.Find("GET", "/api/v1/pods"));
        Assert.Empty(server.Journal.Find("POST", EvictionPath));
    }

    [Theory]
    [InlineData("Ops", "--lease-namespace: 'Ops' is not a namespace name")]
    [InlineData("-x", "--lease-namespace: '-x' is not a namespace name")]
    public async Task Run_Should_RefuseAnInvalidLeaseNamespace(string value, string message)
    {
        (int code, _, string error) = await CliRunner.RunAsync(["run", "--kubeconfig", "unused", "--lease-namespace", value]);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_KeepItsLeaseInTheNamespaceGiven()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Store.Put(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "rebalancer" } });

        (int code, _, string error) = await CliRunner.RunAsync(RunArgs(server, "--lease-namespace", "rebalancer"), (Action<IServiceCollection>?)null);

        Assert.True(code == 0, error);
        Assert.NotEmpty(server.Journal.Find("POST", "/apis/coordination.k8s.io/v1/namespaces/rebalancer/leases"));
        Assert.Null(server.Store.Get<V1Lease>("default", "rebalancer"));
    }

    private sealed class BeforeEvictionApi(IEvictionApi inner, Action<int> beforeCall) : IEvictionApi
    {
        private int _calls;

        public Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken)
        {
            beforeCall(Interlocked.Increment(ref _calls));
            return inner.EvictAsync(request, cancellationToken);
        }

        public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken) => inner.CordonAsync(request, cancellationToken);

        public Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken) => inner.ReadNodeAsync(node, cancellationToken);
    }
}
