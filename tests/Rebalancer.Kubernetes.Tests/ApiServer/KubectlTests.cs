using k8s;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>The real kubectl (v1.32, through its version dispatcher) against the test server, as against a real cluster.
/// Skipped when kubectl is not on PATH. Every run is bounded by <c>--request-timeout</c>/<c>--timeout</c> and a process timeout.</summary>
public sealed class KubectlTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static string LedgerPod(TestApiServer server) =>
        server.Store.List("pods", "payments").Select(p => p["metadata"]!["name"]!.GetValue<string>()).Single(n => n.StartsWith("ledger-writer-", StringComparison.Ordinal));

    private static string NodeOf(TestApiServer server, string ns, string pod) => server.Store.Get("pods", ns, pod)!["spec"]!["nodeName"]!.GetValue<string>();

    [KubectlFact]
    public async Task Get_nodes_prints_every_node_with_status_columns()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);

        var result = await kubectl.RunAsync(["get", "nodes", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s*$", lines[0]);
        Assert.Equal(51, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("ip-10-20-211-150.eu-west-1.compute.internal", StringComparison.Ordinal) && l.Contains("Ready,SchedulingDisabled", StringComparison.Ordinal));
        Assert.Contains(server.Journal.Entries, e => e.Path == "/api/v1/nodes" && e.QueryValue("limit") == "500");
    }

    [KubectlFact]
    public async Task Get_pods_all_namespaces_pages_through_every_pod()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);

        var result = await kubectl.RunAsync(["get", "pods", "-A", "--chunk-size=100", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*$", lines[0]);
        Assert.Equal(346, lines.Length);
        Assert.Contains(lines, l => l.Contains("adhoc-export", StringComparison.Ordinal) && l.Contains("Completed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("report-generator", StringComparison.Ordinal) && l.Contains("Pending", StringComparison.Ordinal));
        Assert.Equal(4, server.Journal.Find("GET", "/api/v1/pods").Count);
    }

    [KubectlFact]
    public async Task Get_pdb_all_namespaces_shows_the_budgets()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);

        var result = await kubectl.RunAsync(["get", "pdb", "-A", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAMESPACE\s+NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\s*$", lines[0]);
        Assert.Equal(16, lines.Length);
        Assert.Matches(@"payments\s+ledger-writer\s+1\s+N/A\s+0\s", result.Output);
        Assert.Matches(@"search\s+search-api\s+N/A\s+25%\s+2\s", result.Output);
    }

    [KubectlFact]
    public async Task Get_pods_watch_sees_an_eviction_happen()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        using var client = Client(server);
        string victim = server.Store.List("pods", "shop").Select(p => p["metadata"]!["name"]!.GetValue<string>()).First(n => n.StartsWith("storefront-", StringComparison.Ordinal));

        using var watch = kubectl.Start("get", "pods", "-n", "shop", "-w", "--output-watch-events", "--request-timeout=60s");
        await server.Journal.WaitForAsync(e => e.IsWatch && e.Path == "/api/v1/namespaces/shop/pods", Bound);
        await watch.WaitForOutputAsync(victim, Bound);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("shop", victim), victim, "shop", cancellationToken: Timeout());

        await watch.WaitForOutputAsync("DELETED", Bound);
        Assert.Matches($@"MODIFIED\s+{victim}\s", watch.Output);
        Assert.Matches($@"DELETED\s+{victim}\s", watch.Output);
    }

    [KubectlFact]
    public async Task Drain_dry_run_server_cordons_and_evicts_nothing_for_real()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        string ledger = LedgerPod(server);
        string node = NodeOf(server, "payments", ledger);
        server.Store.Update("pdb", "payments", "ledger-writer", pdb => pdb["spec"]!["minAvailable"] = 0); // let the drain through
        int podsBefore = server.Store.Count("pods");

        var result = await kubectl.RunAsync(["drain", node, "--dry-run=server", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"node/{node} cordoned (server dry run)", result.Output, StringComparison.Ordinal);
        Assert.Contains($"evicting pod payments/{ledger} (server dry run)", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Contains($"node/{node} drained (server dry run)", result.Output, StringComparison.Ordinal);
        Assert.Equal(podsBefore, server.Store.Count("pods"));
        Assert.Null(server.Store.Get("nodes", null, node)!["spec"]!["unschedulable"]);
        var evictions = server.Journal.Find("POST", "/api/v1/namespaces/*/pods/*/eviction");
        Assert.NotEmpty(evictions);
        Assert.All(evictions, e => Assert.Contains("\"dryRun\":[\"All\"]", e.Body, StringComparison.Ordinal));
        Assert.Equal("All", server.Journal.Find("PATCH", "/api/v1/nodes/*").Single().QueryValue("dryRun"));
    }

    [KubectlFact]
    public async Task Cordon_and_uncordon_patch_the_node_as_against_a_real_server()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        string node = NodeOf(server, "payments", LedgerPod(server));

        var cordon = await kubectl.RunAsync(["cordon", node, "--request-timeout=20s"], Bound);

        Assert.True(cordon.ExitCode == 0, cordon.ToString());
        Assert.Equal($"node/{node} cordoned", cordon.Output.Trim());
        Assert.True(server.Store.Get("nodes", null, node)!["spec"]!["unschedulable"]!.GetValue<bool>());
        JournalEntry patch = server.Journal.Find("PATCH", "/api/v1/nodes/*").Single();
        Assert.Equal(($"/api/v1/nodes/{node}", "application/strategic-merge-patch+json", """{"spec":{"unschedulable":true}}""", 200),
            (patch.Path, patch.ContentType, patch.Body, patch.StatusCode));

        var again = await kubectl.RunAsync(["cordon", node, "--request-timeout=20s"], Bound);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal($"node/{node} already cordoned", again.Output.Trim()); // kubectl reads spec.unschedulable first: no second PATCH
        Assert.Single(server.Journal.Find("PATCH", "/api/v1/nodes/*"));

        var uncordon = await kubectl.RunAsync(["uncordon", node, "--request-timeout=20s"], Bound);
        Assert.True(uncordon.ExitCode == 0, uncordon.ToString());
        Assert.Equal($"node/{node} uncordoned", uncordon.Output.Trim());
        Assert.Null(server.Store.Get("nodes", null, node)!["spec"]!["unschedulable"]);

        var missing = await kubectl.RunAsync(["cordon", "no-such-node", "--request-timeout=20s"], Bound);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): nodes \"no-such-node\" not found", missing.Error, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Drain_retries_a_budget_blocked_pod_until_the_budget_is_freed()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        string ledger = LedgerPod(server);
        string node = NodeOf(server, "payments", ledger);

        using var drain = kubectl.Start("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=80s");
        await server.Journal.WaitForAsync(e => e.Path == $"/api/v1/namespaces/payments/pods/{ledger}/eviction" && e.StatusCode == 429, Bound);
        Assert.NotNull(server.Store.Get("pods", "payments", ledger));
        Assert.True(server.Store.Get("nodes", null, node)!["spec"]!["unschedulable"]!.GetValue<bool>());

        server.Store.Update("pdb", "payments", "ledger-writer", pdb => pdb["spec"]!["minAvailable"] = 0); // the owner relaxes the budget

        var result = await drain.WaitAsync(Bound);
        Assert.True(result.ExitCode == 0, result.ToString());
        string all = result.Output + result.Error;
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", all, StringComparison.Ordinal);
        Assert.Contains($"pod/{ledger} evicted", all, StringComparison.Ordinal);
        Assert.Contains($"node/{node} drained", all, StringComparison.Ordinal);
        Assert.Null(server.Store.Get("pods", "payments", ledger));
        Assert.DoesNotContain(server.Store.List("pods"), p => p["spec"]!["nodeName"]?.GetValue<string>() == node
            && p["metadata"]!["ownerReferences"]?[0]?["kind"]?.GetValue<string>() != "DaemonSet");
    }
}
