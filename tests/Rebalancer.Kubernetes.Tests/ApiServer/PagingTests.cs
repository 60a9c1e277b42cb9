using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>
/// Paging over the test server's ordered collections (spec §3.1): a page starts by binary search after the last key of
/// the previous page, in the revision the first page pinned; namespaces are key ranges whose neighbours ("tea", "team-a",
/// "team0", "teamx" next to "team") must never leak in; pods created or deleted between pages do not change a
/// consistent list, and a 410's fresh token continues after the last key returned, in the current state.
/// </summary>
public sealed class PagingTests
{
    private static string Name(int i) => "p" + i.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>60 pods in <c>team</c> (p000…p059) and 5 in each namespace whose name sorts next to it.</summary>
    private static async Task<TestApiServer> StartTeamAsync(int historyLimit = 20_000)
    {
        var server = await TestApiServer.StartAsync(new TestApiServerOptions { HistoryLimit = historyLimit });
        var items = new List<string> { Node("node-a") };
        items.AddRange(Enumerable.Range(0, 60).Select(i => Pod("team", Name(i))));
        foreach (string neighbour in new[] { "tea", "team-a", "team0", "teamx" })
        {
            items.AddRange(Enumerable.Range(0, 5).Select(i => Pod(neighbour, Name(i))));
        }

        server.Store.LoadJson(List([.. items]));
        return server;
    }

    private static List<string> Names(V1PodList list) => [.. list.Items.Select(p => p.Metadata.Name)];

    [Fact]
    public async Task Namespaced_pages_stay_on_their_snapshot_while_pods_are_created_and_deleted_between_pages()
    {
        await using var server = await StartTeamAsync();
        using var client = Client(server);

        var first = await client.CoreV1.ListNamespacedPodAsync("team", limit: 10, cancellationToken: Timeout());
        Assert.Equal(Enumerable.Range(0, 10).Select(Name), Names(first));
        Assert.Equal(50, first.Metadata.RemainingItemCount);

        // Between pages: the next page's first pod and a later one go, pods appear right after the cursor and at the end.
        server.Store.Delete("pods", "team", Name(10));
        server.Store.Delete("pods", "team", Name(30));
        server.Store.Put(Pod("team", "p0095"));
        server.Store.Put(Pod("team", Name(100)));

        var names = Names(first);
        var remaining = new List<long?>();
        string? cont = first.Metadata.ContinueProperty;
        while (!string.IsNullOrEmpty(cont))
        {
            var page = await client.CoreV1.ListNamespacedPodAsync("team", limit: 10, continueParameter: cont, cancellationToken: Timeout());
            Assert.Equal(first.Metadata.ResourceVersion, page.Metadata.ResourceVersion);
            names.AddRange(Names(page));
            remaining.Add(page.Metadata.RemainingItemCount);
            cont = page.Metadata.ContinueProperty;
            server.Store.Put(Pod("team", names[^1] + "x")); // one more right after every page's last key
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(Name), names);
        Assert.Equal(new long?[] { 40, 30, 20, 10, null }, remaining);

        var fresh = Names(await client.CoreV1.ListNamespacedPodAsync("team", cancellationToken: Timeout()));
        Assert.Contains("p0095", fresh);
        Assert.Contains(Name(100), fresh);
        Assert.DoesNotContain(Name(10), fresh);
        Assert.DoesNotContain(Name(30), fresh);
        Assert.Equal(fresh.Order(StringComparer.Ordinal), fresh);
    }

    [Fact]
    public async Task All_namespace_pages_visit_namespaces_in_key_order_without_gaps_or_repeats()
    {
        await using var server = await StartTeamAsync();
        using var client = Client(server);

        var keys = new List<string>();
        string? cont = null;
        int pages = 0;
        do
        {
            var page = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 7, continueParameter: cont, cancellationToken: Timeout());
            keys.AddRange(page.Items.Select(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name));
            cont = page.Metadata.ContinueProperty;
            if (!string.IsNullOrEmpty(cont))
            {
                Assert.Equal(80 - keys.Count, page.Metadata.RemainingItemCount);
            }

            pages++;
        }
        while (!string.IsNullOrEmpty(cont));

        Assert.Equal(80, keys.Count);
        Assert.Equal(12, pages);
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(keys.Distinct().Count(), keys.Count);
    }

    [Fact]
    public async Task Neighbouring_namespaces_never_leak_into_a_namespaced_list_or_a_budget()
    {
        await using var server = await StartTeamAsync();
        using var client = Client(server);

        foreach ((string ns, int count) in new[] { ("tea", 5), ("team", 60), ("team-a", 5), ("team0", 5), ("teamx", 5), ("te", 0) })
        {
            var listed = await client.CoreV1.ListNamespacedPodAsync(ns, limit: 4, cancellationToken: Timeout());
            Assert.All(listed.Items, p => Assert.Equal(ns, p.Metadata.NamespaceProperty));
            Assert.Equal(count, Math.Min(count, 4) + (listed.Metadata.RemainingItemCount ?? 0));
            Assert.Equal(count, server.Store.Count("pods", ns));
        }

        // The disruption controller lists the namespace's pods by the same key range.
        server.Store.Put(Pdb("team", "all", "\"minAvailable\":1", selector: "{}"));
        server.Store.Put(Pdb("team-a", "all", "\"minAvailable\":1", selector: "{}"));
        Assert.Equal(60, server.Store.Get<V1PodDisruptionBudget>("team", "all")!.Status.ExpectedPods);
        Assert.Equal(5, server.Store.Get<V1PodDisruptionBudget>("team-a", "all")!.Status.ExpectedPods);
    }

    [Fact]
    public async Task Filtered_pages_scan_on_from_the_last_key_and_carry_no_remaining_count()
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions());
        server.Store.LoadJson(List([.. Enumerable.Range(0, 30).Select(i => Pod("team", Name(i), labels: i % 3 == 0 ? "\"app\":\"web\"" : "\"app\":\"db\""))]));
        using var client = Client(server);

        var names = new List<string>();
        string? cont = null;
        do
        {
            var page = await client.CoreV1.ListNamespacedPodAsync("team", limit: 3, labelSelector: "app=web", continueParameter: cont, cancellationToken: Timeout());
            Assert.Null(page.Metadata.RemainingItemCount);
            names.AddRange(Names(page));
            cont = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(cont));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Name(i * 3)), names);
    }

    [Fact]
    public async Task A_410_token_continues_after_the_last_key_returned_in_the_current_state()
    {
        await using var server = await StartTeamAsync();
        using var client = Client(server);
        var first = await client.CoreV1.ListNamespacedPodAsync("team", limit: 10, cancellationToken: Timeout());
        Assert.Equal(Name(9), first.Items[^1].Metadata.Name);

        server.Store.Put(Pod("team", "p0015"));  // before the cursor: not seen
        server.Store.Put(Pod("team", "p0095"));  // right after the last key returned: seen, as with etcd's lastKey + "\0"
        server.Store.Delete("pods", "team", Name(10));
        server.Store.Compact();

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.ListNamespacedPodAsync("team", limit: 10, continueParameter: first.Metadata.ContinueProperty, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.Gone, code);

        var rest = await client.CoreV1.ListNamespacedPodAsync("team", limit: 100, continueParameter: status.Metadata.ContinueProperty, cancellationToken: Timeout());
        Assert.Equal(["p0095", .. Enumerable.Range(11, 49).Select(Name)], Names(rest));
        Assert.Equal(server.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture), rest.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Long_write_histories_keep_the_last_revisions_listable_and_expire_older_ones()
    {
        // 3,000 writes with a history of 100 revisions: the retained window slides many times (and is compacted).
        await using var server = await StartTeamAsync(historyLimit: 100);
        using var client = Client(server);
        var first = await client.CoreV1.ListNamespacedPodAsync("team", limit: 10, cancellationToken: Timeout());
        long oldRevision = long.Parse(first.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        for (int i = 0; i < 3_000; i++)
        {
            server.Store.SetPodReady("team", Name(i % 60), ready: i % 2 == 1);
        }

        var (code, _, _) = await FailsAsync(() =>
            client.CoreV1.ListNamespacedPodAsync("team", limit: 10, continueParameter: first.Metadata.ContinueProperty, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.Gone, code);
        (code, _, _) = await FailsAsync(() => client.CoreV1.ListNamespacedPodAsync("team", limit: 10,
            resourceVersion: oldRevision.ToString(CultureInfo.InvariantCulture), cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.Gone, code);

        // A revision 50 writes back is still retained: pinned pages there show that revision's readiness.
        long recent = server.Store.ResourceVersion - 50;
        var pinned = await client.CoreV1.ListNamespacedPodAsync("team", limit: 60,
            resourceVersion: recent.ToString(CultureInfo.InvariantCulture), cancellationToken: Timeout());
        Assert.Equal(recent.ToString(CultureInfo.InvariantCulture), pinned.Metadata.ResourceVersion);
        Assert.Equal(60, pinned.Items.Count);
        Assert.All(pinned.Items, p => Assert.True(long.Parse(p.Metadata.ResourceVersion, CultureInfo.InvariantCulture) <= recent));
        var current = await client.CoreV1.ListNamespacedPodAsync("team", cancellationToken: Timeout());
        Assert.Contains(current.Items, p => long.Parse(p.Metadata.ResourceVersion, CultureInfo.InvariantCulture) > recent);
    }
}
