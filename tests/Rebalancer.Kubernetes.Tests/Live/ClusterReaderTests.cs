using System.Collections.Concurrent;
using System.Text.Json;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.ApiServer;
using Rebalancer.Testing.Builders;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

public sealed class ClusterReaderTests
{
    private sealed class CollectingProgress : IProgress<ReadProgress>
    {
        public ConcurrentQueue<ReadProgress> Reports { get; } = new();

        public void Report(ReadProgress value) => Reports.Enqueue(value);
    }

    [Fact]
    public async Task Read_Should_MatchTheFileLoader_When_PagingAcrossManyPages()
    {
        await using TestApiServer server = await StartDemoAsync();
        using KubernetesConnection connection = Connect(server);
        var progress = new CollectingProgress();

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { PageSize = 7 }, progress).ReadAsync(Timeout());

        ClusterSnapshot file = SnapshotLoader.Load(DemoSnapshot).Snapshot;
        ClusterSnapshot live = result.Snapshot;
        Assert.Equal(file.Nodes.Count, live.Nodes.Count);
        Assert.Equal(file.Pods.Count, live.Pods.Count);
        Assert.Equal(file.Pdbs.Count, live.Pdbs.Count);
        Assert.Equal(file.PriorityClasses.Count, live.PriorityClasses.Count);
        Assert.True(result.MetricsAvailable);
        Assert.Equal(file.Pods.HasUsage.Count(h => h), live.Pods.HasUsage.Count(h => h));
        Assert.Equal(file.Nodes.HasUsage.Count(h => h), live.Nodes.HasUsage.Count(h => h));
        Assert.Equal(
            Enumerable.Range(0, file.Pods.Count).Select(file.PodKey).Order(StringComparer.Ordinal),
            Enumerable.Range(0, live.Pods.Count).Select(live.PodKey).Order(StringComparer.Ordinal));
        Assert.Equal(
            Enumerable.Range(0, file.Pods.Count).ToDictionary(file.PodKey, p => file.Pods.Uid[p]),
            Enumerable.Range(0, live.Pods.Count).ToDictionary(live.PodKey, p => live.Pods.Uid[p]));

        // Many pages, each requested with limit=7 and the previous page's continue token; the last page says "no more".
        IReadOnlyList<JournalEntry> pages = server.Journal.Find("GET", "/api/v1/pods");
        Assert.Equal((live.Pods.Count + 6) / 7, pages.Count(p => p.QueryValue("limit") == "7"));
        Assert.Null(pages[0].QueryValue("continue"));
        Assert.All(pages.Skip(1), p => Assert.False(string.IsNullOrEmpty(p.QueryValue("continue"))));

        ReadProgress lastPods = progress.Reports.Last(r => r.Resource == "pods");
        Assert.True(lastPods.Completed);
        Assert.Equal(live.Pods.Count, lastPods.Objects);
        Assert.Equal(pages.Count, lastPods.Pages);
        Assert.True(lastPods.Bytes > 0);
        Assert.Equal(result.Pages, progress.Reports.Count);
    }

    [Fact]
    public async Task Read_Should_FollowContinueTokens_When_PagesAreShortOrEmpty()
    {
        // A server may answer with fewer items than asked, even none, and still have more: only "continue" decides.
        string[] podPages =
        [
            """{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"a"},"items":[]}""",
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"continue\":\"b\"},\"items\":[" + Pod("web-0") + "]}",
            """{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"c","remainingItemCount":1},"items":[]}""",
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[" + Pod("web-1") + "," + Pod("web-2") + "],\"metadata\":{\"resourceVersion\":\"9\"}}",
        ];
        await using CannedApiServer server = await CannedApiServer.StartAsync(podPages);
        using KubernetesConnection connection = KubernetesConnection.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address }, "canned");

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { PageSize = 2, Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout());

        Assert.Equal(3, result.Snapshot.Pods.Count);
        Assert.Equal(["", "a", "b", "c"], server.PodContinueTokens);
    }

    [Fact]
    public async Task Read_Should_RestartOnce_When_AContinueTokenExpires()
    {
        await using TestApiServer server = await StartDemoAsync();
        FaultRule expire = server.Faults.ExpireContinue("/api/v1/pods", page: 3, times: 1);
        using KubernetesConnection connection = Connect(server);

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { PageSize = 50 }).ReadAsync(Timeout());

        Assert.Equal(1, expire.Injected);
        Assert.Equal(1, result.Restarts);
        Assert.Contains(result.Warnings, w => w.Contains("pods", StringComparison.Ordinal) && w.Contains("410", StringComparison.Ordinal));
        ClusterSnapshot file = SnapshotLoader.Load(DemoSnapshot).Snapshot;
        Assert.Equal(file.Pods.Count, result.Snapshot.Pods.Count); // nothing counted twice
        Assert.Equal(file.Nodes.Count, result.Snapshot.Nodes.Count);
        Assert.Equal(2, server.Journal.Find("GET", "/api/v1/pods").Count(e => e.QueryValue("continue") is null));
    }

    [Fact]
    public async Task Read_Should_Fail_When_AContinueTokenExpiresTwice()
    {
        await using TestApiServer server = await StartDemoAsync();
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 2);
        using KubernetesConnection connection = Connect(server);

        var error = await Assert.ThrowsAsync<ClusterReadException>(() =>
            new ClusterReader(connection, new ClusterReaderOptions { PageSize = 50 }).ReadAsync(Timeout()));

        Assert.True(error.Expired);
        Assert.Equal("pods", error.Resource);
        Assert.Equal(2, error.Page);
        Assert.Equal(410, error.StatusCode);
        Assert.Contains("pods, page 2 (continue token", error.Message, StringComparison.Ordinal);
        Assert.Contains("again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_Should_RetryAPage_When_TheServerFailsTransiently()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Faults.FailWith(503, "GET", "/api/v1/pods", times: 1);
        server.Faults.Abort("GET", "/apis/policy/v1/poddisruptionbudgets", times: 1);
        using KubernetesConnection connection = Connect(server);
        var time = new AutoAdvancingTimeProvider();

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { Metrics = MetricsRequirement.Skip }, timeProvider: time).ReadAsync(Timeout());

        Assert.Equal(7, result.Snapshot.Pods.Count);
        Assert.Single(result.Snapshot.Pdbs);
        Assert.Equal(2, time.Waits.Count);
    }

    [Fact]
    public async Task Read_Should_NameTheResourceAndPage_When_AListIsForbidden()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Faults.FailWith(403, "GET", "/api/v1/pods", reason: "Forbidden", message: "pods is forbidden: User \"x\" cannot list resource \"pods\"");
        using KubernetesConnection connection = Connect(server);

        var error = await Assert.ThrowsAsync<ClusterReadException>(() =>
            new ClusterReader(connection, new ClusterReaderOptions { Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout()));

        Assert.Equal("pods", error.Resource);
        Assert.Equal(403, error.StatusCode);
        Assert.StartsWith("reading pods, page 1 (first page, no continue token): HTTP 403 Forbidden", error.Message, StringComparison.Ordinal);
        Assert.Contains("'list' on pods", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Journal.Find("GET", "/api/v1/pods")); // 403 is not retried
    }

    [Fact]
    public async Task Read_Should_Warn_When_TheMetricsApiIsAbsentAndOptional()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        using KubernetesConnection connection = Connect(server);

        ClusterReadResult result = await new ClusterReader(connection).ReadAsync(Timeout());

        Assert.False(result.MetricsAvailable);
        Assert.Contains(result.Warnings, w => w.Contains("metrics.k8s.io", StringComparison.Ordinal));
        Assert.Equal(7, result.Snapshot.Pods.Count);
    }

    [Fact]
    public async Task Read_Should_Fail_When_TheMetricsApiIsAbsentAndThePolicyNeedsIt()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        using KubernetesConnection connection = Connect(server);
        var options = new ClusterReaderOptions { Metrics = MetricsRequirement.Required, MetricsRequiredBy = "LowNodeUtilization uses metricsUtilization.source KubernetesMetrics" };

        var error = await Assert.ThrowsAsync<ClusterReadException>(() => new ClusterReader(connection, options).ReadAsync(Timeout()));

        Assert.Contains("metrics.k8s.io", error.Message, StringComparison.Ordinal);
        Assert.Contains("LowNodeUtilization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_Should_WriteAListThatLoadsToTheSameCluster_When_Paged()
    {
        await using TestApiServer server = await StartDemoAsync();
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 1);
        using KubernetesConnection connection = Connect(server);
        using var output = new MemoryStream();

        SnapshotWriteResult result = await new ClusterSnapshotWriter(connection, new ClusterReaderOptions { PageSize = 9 }).WriteAsync(output, Timeout());

        Assert.True(result.MetricsAvailable);
        Assert.Equal(1, result.Restarts);
        output.Position = 0;
        ClusterSnapshot reloaded = SnapshotLoader.Load(output, "snapshot").Snapshot;
        ClusterSnapshot live = (await new ClusterReader(connection).ReadAsync(Timeout())).Snapshot;
        Assert.Equal(live.Pods.Count, reloaded.Pods.Count);
        Assert.Equal(live.Nodes.Count, reloaded.Nodes.Count);
        Assert.Equal(live.Pdbs.Count, reloaded.Pdbs.Count);
        Assert.Equal(live.Namespaces.Count, reloaded.Namespaces.Count);
        Assert.Equal(live.PriorityClasses.Count, reloaded.PriorityClasses.Count);
        Assert.Equal(live.Pods.HasUsage.Count(h => h), reloaded.Pods.HasUsage.Count(h => h));
        Assert.Equal(live.Pods.Uid, reloaded.Pods.Uid);
        Assert.Equal(InventoryText.Describe(live), InventoryText.Describe(reloaded));
        Assert.Equal(InventoryKinds.All, reloaded.Inventory.KindsRead);

        // The List (every item names its kind), an empty typed list per inventory kind that has no objects (so the file
        // says it was read), then NodeMetricsList and PodMetricsList.
        output.Position = 0;
        var reader = new StreamReader(output);
        string[] documents = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] empty = [.. documents[1..^2].Select(d => JsonDocument.Parse(d).RootElement).Select(e =>
        {
            Assert.Equal(0, e.GetProperty("items").GetArrayLength());
            return e.GetProperty("kind").GetString()!;
        })];
        Assert.All(empty, kind => Assert.EndsWith("List", kind, StringComparison.Ordinal));
        Assert.DoesNotContain(empty, kind => kind is "DeploymentList" or "ReplicaSetList");
        using JsonDocument list = JsonDocument.Parse(documents[0]);
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.All(list.RootElement.GetProperty("items").EnumerateArray(), item =>
        {
            Assert.False(string.IsNullOrEmpty(item.GetProperty("kind").GetString()));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("apiVersion").GetString()));
        });
        Assert.Equal("NodeMetricsList", JsonDocument.Parse(documents[^2]).RootElement.GetProperty("kind").GetString());
        Assert.Equal("PodMetricsList", JsonDocument.Parse(documents[^1]).RootElement.GetProperty("kind").GetString());
    }
}
