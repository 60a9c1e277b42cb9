using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>The emulated disruption controller against the formulas and worked examples of spec §2.2.</summary>
public sealed class DisruptionControllerTests
{
    private const string Ns = "default";

    private static async Task<TestApiServer> StartAsync(string budget, int replicas, int pods, int ready)
    {
        var server = await StartEmptyAsync();
        var objects = new List<string> { Node("node-a"), Deployment(Ns, "web", replicas), ReplicaSet(Ns, "web-rs", replicas, deployment: "web") };
        for (int i = 0; i < pods; i++)
        {
            objects.Add(Pod(Ns, $"web-{i}", owner: "web-rs", ready: i < ready));
        }

        objects.Add(Pdb(Ns, "web-pdb", budget));
        server.Store.LoadJson(List([.. objects]));
        return server;
    }

    private static V1PodDisruptionBudgetStatus Status(TestApiServer server) =>
        server.Store.Get<V1PodDisruptionBudget>(Ns, "web-pdb")!.Status;

    [Theory]
    [InlineData("\"minAvailable\":2", 3, 3, 3, 3, 2, 1)]
    [InlineData("\"minAvailable\":2", 3, 3, 2, 3, 2, 0)]
    [InlineData("\"minAvailable\":\"50%\"", 3, 3, 3, 3, 2, 1)]
    [InlineData("\"maxUnavailable\":1", 3, 3, 3, 3, 2, 1)]
    [InlineData("\"maxUnavailable\":\"25%\"", 10, 10, 10, 10, 7, 3)]
    [InlineData("\"maxUnavailable\":\"10%\"", 3, 3, 3, 3, 2, 1)]
    [InlineData("\"maxUnavailable\":0", 3, 3, 3, 3, 3, 0)]
    [InlineData("\"minAvailable\":\"100%\"", 3, 3, 3, 3, 3, 0)]
    [InlineData("\"minAvailable\":0", 2, 2, 2, 2, 0, 2)]
    [InlineData("\"minAvailable\":1", 0, 0, 0, 0, 1, 0)]
    [InlineData("\"maxUnavailable\":1", 3, 4, 4, 3, 2, 2)]
    public async Task Status_follows_the_worked_examples(string budget, int replicas, int pods, int ready, int expected, int desired, int allowed)
    {
        await using var server = await StartAsync(budget, replicas, pods, ready);

        var status = Status(server);

        Assert.Equal(expected, status.ExpectedPods);
        Assert.Equal(desired, status.DesiredHealthy);
        Assert.Equal(ready, status.CurrentHealthy);
        Assert.Equal(allowed, status.DisruptionsAllowed);
        Assert.Equal(1, status.ObservedGeneration);
        var condition = Assert.Single(status.Conditions);
        Assert.Equal(allowed > 0 ? "SufficientPods" : "InsufficientPods", condition.Reason);
    }

    [Fact]
    public async Task A_string_that_is_not_a_percentage_fails_safe()
    {
        await using var server = await StartAsync("\"minAvailable\":\"2\"", 3, 3, 3);

        var status = Status(server);

        Assert.Equal(0, status.DisruptionsAllowed);
        var condition = Assert.Single(status.Conditions);
        Assert.Equal("SyncFailed", condition.Reason);
        Assert.Equal("False", condition.Status);
        Assert.Contains("is not a percentage", condition.Message, StringComparison.Ordinal);
        Assert.Null(status.ObservedGeneration); // failSafe leaves observedGeneration alone: evictions see "still being processed"
    }

    [Fact]
    public async Task A_missing_controller_fails_safe_when_the_budget_needs_the_scale()
    {
        await using var server = await StartEmptyAsync();
        server.Store.InferWorkloadControllers = false;
        server.Store.LoadJson(List(Node("node-a"), Pod(Ns, "web-0", owner: "gone-rs"), Pdb(Ns, "web-pdb", "\"maxUnavailable\":1")));

        var condition = Assert.Single(Status(server).Conditions);

        Assert.Equal("SyncFailed", condition.Reason);
        Assert.Equal("found no controllers for pod \"web-0\"", condition.Message);
    }

    [Fact]
    public async Task Evicted_pods_leave_disrupted_pods_and_the_budget_follows_the_remaining_pods()
    {
        await using var server = await StartAsync("\"maxUnavailable\":1", 3, 3, 3);
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-0"), "web-0", Ns, cancellationToken: Timeout());

        var status = Status(server);
        Assert.Equal(2, status.CurrentHealthy);
        Assert.Equal(0, status.DisruptionsAllowed);
        Assert.Null(status.DisruptedPods); // the pod is gone, so the controller pruned it
    }

    [Fact]
    public async Task A_spec_change_bumps_generation_and_a_stopped_controller_leaves_it_unobserved()
    {
        await using var server = await StartAsync("\"maxUnavailable\":1", 3, 3, 3);
        server.Store.PdbControllerEnabled = false;

        var updated = server.Store.Update("pdb", Ns, "web-pdb", pdb => pdb["spec"]!["maxUnavailable"] = 2);

        Assert.Equal(2, updated["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(1, Status(server).ObservedGeneration);
        server.Store.RecomputePdbStatus(Ns, "web-pdb");
        Assert.Equal(2, Status(server).ObservedGeneration);
        Assert.Equal(2, Status(server).DisruptionsAllowed);
    }

    [Fact]
    public async Task Demo_snapshot_statuses_are_what_the_controller_computes()
    {
        await using var server = await StartDemoAsync();
        var loaded = server.Store.List<V1PodDisruptionBudget>().ToDictionary(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name, p => p.Status);

        server.Store.RecomputeAllPdbStatuses();

        foreach (var pdb in server.Store.List<V1PodDisruptionBudget>())
        {
            var before = loaded[pdb.Metadata.NamespaceProperty + "/" + pdb.Metadata.Name];
            string name = pdb.Metadata.Name;
            Assert.True(before.DisruptionsAllowed == pdb.Status.DisruptionsAllowed, $"{name}: allowed {before.DisruptionsAllowed} → {pdb.Status.DisruptionsAllowed}");
            Assert.True(before.CurrentHealthy == pdb.Status.CurrentHealthy, $"{name}: healthy {before.CurrentHealthy} → {pdb.Status.CurrentHealthy}");
            Assert.True(before.DesiredHealthy == pdb.Status.DesiredHealthy, $"{name}: desired {before.DesiredHealthy} → {pdb.Status.DesiredHealthy}");
            Assert.True(before.ExpectedPods == pdb.Status.ExpectedPods, $"{name}: expected {before.ExpectedPods} → {pdb.Status.ExpectedPods}");
        }
    }

    [Fact]
    public async Task Inferred_controllers_are_served_and_marked()
    {
        // The demo's pods without its workload objects, as an older `kubectl get nodes,pods,…` dump has them.
        string[] workloadKinds = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "HorizontalPodAutoscaler"];
        var documents = new List<string>();
        var reader = new System.Text.Json.Utf8JsonReader(File.ReadAllBytes(RepoPaths.DemoSnapshot), new System.Text.Json.JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            var document = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(ref reader)!;
            if (document["items"] is System.Text.Json.Nodes.JsonArray items)
            {
                foreach (var item in items.Where(i => i?["kind"]?.GetValue<string>() is { } kind && workloadKinds.Contains(kind)).ToList())
                {
                    items.Remove(item);
                }
            }

            documents.Add(document.ToJsonString());
        }

        await using var server = await StartEmptyAsync();
        server.Store.LoadJson(string.Join('\n', documents));

        var daemonSets = server.Store.List("daemonsets");
        var deployments = server.Store.List("deployments");

        Assert.Contains(daemonSets, d => d["metadata"]!["name"]!.GetValue<string>() == "kube-proxy");
        Assert.All(daemonSets, d => Assert.Equal("true", d["metadata"]!["annotations"]!["testing.rebalancer.io/inferred"]!.GetValue<string>()));
        var storefront = Assert.Single(deployments, d => d["metadata"]!["name"]!.GetValue<string>() == "storefront");
        Assert.Equal(16, storefront["spec"]!["replicas"]!.GetValue<long>());
        var rs = server.Store.List("replicasets", "shop").Single(r => r["metadata"]!["name"]!.GetValue<string>().StartsWith("storefront-", StringComparison.Ordinal));
        Assert.Equal("Deployment", rs["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
    }
}
