using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Tests.Snapshots;
using Rebalancer.Testing.ApiServer;
using Rebalancer.Testing.Builders;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>The inventory kinds read from the test API server: paged lists, a 403 on one kind, and <c>rebalancer snapshot</c>'s file.</summary>
public sealed class InventoryReadTests
{
    private static readonly string Cluster = SnapshotTestKit.List(
        Node("n1"),
        SnapshotTestKit.Pod("web-abc-1", ns: "shop", node: "n1",
            metadata: ""","ownerReferences":[{"kind":"ReplicaSet","name":"web-abc","uid":"rs-web-abc","controller":true}]"""),
        SnapshotTestKit.Pod("db-0", ns: "shop", node: "n1", metadata: ""","ownerReferences":[{"kind":"StatefulSet","name":"db","uid":"sts-db","controller":true}]""",
            spec: ""","volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data-db-0"}}]"""),
        SnapshotTestKit.Pod("bare", ns: "shop", node: "n1"))
        + "\n" + SnapshotTestKit.List(InventoryFixtures.All);

    private static async Task<TestApiServer> StartAsync()
    {
        TestApiServer server = await TestApiServer.StartAsync(new TestApiServerOptions { InferWorkloadControllers = false });
        server.Store.LoadJson(Cluster);
        return server;
    }

    /// <summary>The inventory as text without the namespace lines (the server creates the namespaces a file leaves out).</summary>
    private static string Inventory(ClusterSnapshot s) =>
        string.Join('\n', InventoryText.Describe(s).Split('\n').Where(line => !line.StartsWith("namespace ", StringComparison.Ordinal)));

    [Fact]
    public async Task Read_Should_GiveTheInventoryOfTheFile_When_EveryKindIsPaged()
    {
        await using TestApiServer server = await StartAsync();
        using KubernetesConnection connection = Connect(server);

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { PageSize = 1, Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout());

        ClusterSnapshot file = SnapshotLoader.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Cluster)), "cluster.json").Snapshot;
        Assert.Equal(Inventory(file), Inventory(result.Snapshot));
        Assert.Equal(InventoryKinds.All, result.Snapshot.Inventory.KindsRead);
        Assert.Empty(result.Warnings);
        Assert.Equal(2, server.Journal.Count("GET", "/apis/batch/v1/jobs"));
        Assert.Equal(2, server.Journal.Count("GET", "/apis/autoscaling/v2/horizontalpodautoscalers"));
        Assert.Equal(2, server.Journal.Count("GET", "/api/v1/persistentvolumes"));
        Assert.DoesNotContain(server.Journal.Entries, e => e.Path.Contains("secrets", StringComparison.Ordinal));

        WorkloadIndex workloads = result.Snapshot.Workloads;
        int web = workloads.WorkloadOf(result.Snapshot.Pods.Name.IndexOf("web-abc-1"));
        Assert.Equal("shop/Deployment/web", InventoryText.Name(result.Snapshot, workloads[web]));
        int db = result.Snapshot.Pods.Name.IndexOf("db-0");
        Assert.Equal("data-db-0", result.Snapshot.Strings[result.Snapshot.Inventory.PersistentVolumeClaims[result.Snapshot.Volumes.ClaimsOf(db)[0]].Meta.Name]);
    }

    [Fact]
    public async Task Read_Should_WarnAndGoOn_When_OneKindIsForbidden()
    {
        await using TestApiServer server = await StartAsync();
        server.Faults.FailWith(403, "GET", "/apis/batch/v1/jobs", reason: "Forbidden",
            message: "jobs.batch is forbidden: User \"system:serviceaccount:rebalancer:rebalancer\" cannot list resource \"jobs\" in API group \"batch\" at the cluster scope");
        using KubernetesConnection connection = Connect(server);

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout());

        string warning = Assert.Single(result.Warnings);
        Assert.StartsWith("jobs not read: forbidden (HTTP 403): the credentials may not list it; findings and recommendations that need Job objects are skipped", warning, StringComparison.Ordinal);
        ClusterInventory inventory = result.Snapshot.Inventory;
        Assert.False(inventory.WasRead(InventoryKinds.Jobs));
        Assert.Empty(inventory.Jobs);
        Assert.Equal(InventoryKinds.All & ~InventoryKinds.Jobs, inventory.KindsRead);
        Assert.Single(inventory.CronJobs);
        Assert.Equal(3, result.Snapshot.Pods.Count);
    }

    [Fact]
    public async Task Read_Should_Fail_When_ClaimsAreForbiddenAndThePolicyNeedsThem()
    {
        await using TestApiServer server = await StartAsync();
        server.Faults.FailWith(403, "GET", "/api/v1/persistentvolumeclaims");
        using KubernetesConnection connection = Connect(server);
        var options = new ClusterReaderOptions { Metrics = MetricsRequirement.Skip, IncludePersistentVolumeClaims = true };

        var error = await Assert.ThrowsAsync<ClusterReadException>(() => new ClusterReader(connection, options).ReadAsync(Timeout()));

        Assert.Equal("persistentvolumeclaims", error.Resource);
        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public async Task Read_Should_WarnThatAKindIsNotServed_When_TheServerAnswers404()
    {
        await using TestApiServer server = await StartAsync();
        server.Faults.FailWith(404, "GET", "/apis/autoscaling/v2/horizontalpodautoscalers");
        using KubernetesConnection connection = Connect(server);

        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout());

        Assert.Equal(
            ["horizontalpodautoscalers not read: the API server does not serve it (HTTP 404); findings and recommendations that need HorizontalPodAutoscaler objects are skipped"],
            result.Warnings);
        Assert.False(result.Snapshot.Inventory.WasRead(InventoryKinds.HorizontalPodAutoscalers));
    }

    [Fact]
    public async Task Snapshot_Should_WriteTheInventoryAndSayWhichKindsWereRead_When_OneIsForbidden()
    {
        await using TestApiServer server = await StartAsync();
        server.Store.Delete("limitranges", "shop", "defaults");
        server.Faults.FailWith(403, "GET", "/apis/apps/v1/daemonsets");
        using KubernetesConnection connection = Connect(server);
        using var output = new MemoryStream();

        SnapshotWriteResult written = await new ClusterSnapshotWriter(connection, new ClusterReaderOptions { PageSize = 2, Metrics = MetricsRequirement.Skip })
            .WriteAsync(output, Timeout());
        output.Position = 0;
        ClusterSnapshot reloaded = SnapshotLoader.Load(output, "snapshot.json").Snapshot;
        ClusterReadResult live = await new ClusterReader(connection, new ClusterReaderOptions { Metrics = MetricsRequirement.Skip }).ReadAsync(Timeout());

        Assert.Contains(written.Warnings, w => w.StartsWith("daemonsets not read: forbidden (HTTP 403)", StringComparison.Ordinal));
        Assert.Equal(live.Warnings, written.Warnings);
        Assert.Equal(InventoryKinds.All & ~InventoryKinds.DaemonSets, reloaded.Inventory.KindsRead);
        Assert.Empty(reloaded.Inventory.LimitRanges);
        Assert.Equal(Inventory(live.Snapshot), Inventory(reloaded));
        Assert.Equal(0, written.ObjectsByResource["limitranges"]);
    }
}
