using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>Every outcome of <c>POST …/pods/{name}/eviction</c> through KubernetesClient over real HTTP (spec §1.2/§1.3).</summary>
public sealed class EvictionTests
{
    private const string Ns = "shop";

    private static async Task<TestApiServer> StartAsync(params string[] objects)
    {
        var server = await StartEmptyAsync();
        server.Store.LoadJson(List([Node("node-a"), .. objects]));
        server.Store.EnsureNamespaces();
        return server;
    }

    private static string[] ThreeWebPods(bool ready = true) =>
        [Pod(Ns, "web-1", owner: "web-rs", ready: ready), Pod(Ns, "web-2", owner: "web-rs"), Pod(Ns, "web-3", owner: "web-rs"), ReplicaSet(Ns, "web-rs", 3)];

    private static JsonObject PdbStatus(TestApiServer server, string name) => (JsonObject)server.Store.Get("pdb", Ns, name)!["status"]!;

    private static long Allowed(TestApiServer server, string name) => PdbStatus(server, name)["disruptionsAllowed"]!.GetValue<long>();

    [Fact]
    public async Task Pod_without_budget_is_evicted_with_201_and_deleted()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout());

        Assert.Null(server.Store.Get("pods", Ns, "web-1"));
        var call = Assert.Single(server.Journal.Find("POST", "/api/v1/namespaces/shop/pods/web-1/eviction"));
        Assert.Equal(201, call.StatusCode);
    }

    [Fact]
    public async Task Success_body_is_a_201_Status()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await http.PostAsync(new Uri("api/v1/namespaces/shop/pods/web-1/eviction", UriKind.Relative),
            new StringContent("""{"metadata":{"name":"web-1"}}""", System.Text.Encoding.UTF8, "application/json"), Timeout());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Eviction_within_budget_decrements_records_the_pod_and_deletes_it()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":2")]);
        Assert.Equal(1, Allowed(server, "web-pdb"));
        server.Store.PdbControllerEnabled = false; // look at what the eviction handler itself wrote
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-2"), "web-2", Ns, cancellationToken: Timeout());

        var status = PdbStatus(server, "web-pdb");
        Assert.Equal(0, status["disruptionsAllowed"]!.GetValue<long>());
        Assert.NotNull(status["disruptedPods"]!["web-2"]);
        var condition = status["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "DisruptionAllowed")!;
        Assert.Equal("False", condition["status"]!.GetValue<string>());
        Assert.Equal("InsufficientPods", condition["reason"]!.GetValue<string>());
        Assert.Null(server.Store.Get("pods", Ns, "web-2"));
    }

    [Fact]
    public async Task Budget_at_zero_is_429_TooManyRequests_with_a_DisruptionBudget_cause_and_no_Retry_After()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":3")]);
        using var client = Client(server);

        var (code, status, error) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Equal("TooManyRequests", status.Reason);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", status.Message);
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal("DisruptionBudget", cause.Reason);
        Assert.Equal("The disruption budget web-pdb needs 3 healthy pods and has 3 currently", cause.Message);
        Assert.Null(Header(error, "Retry-After"));
        Assert.NotNull(server.Store.Get("pods", Ns, "web-1"));
    }

    [Fact]
    public async Task Unobserved_generation_is_429_still_being_processed_with_Retry_After_10()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":1")]);
        server.Store.PdbControllerEnabled = false;
        server.Store.BumpGeneration("pdb", Ns, "web-pdb");
        using var client = Client(server);

        var (code, status, error) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Equal("TooManyRequests", status.Reason);
        Assert.Equal(10, status.Details.RetryAfterSeconds);
        Assert.Equal("10", Header(error, "Retry-After"));
        var cause = Assert.Single(status.Details.Causes);
        Assert.Equal("DisruptionBudget", cause.Reason);
        Assert.Equal("The disruption budget web-pdb is still being processed by the server.", cause.Message);

        server.Store.RecomputePdbStatus(Ns, "web-pdb"); // the controller catches up
        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout());
        Assert.Null(server.Store.Get("pods", Ns, "web-1"));
    }

    [Fact]
    public async Task New_pdb_created_through_the_api_is_still_being_processed_until_the_lagging_controller_syncs()
    {
        await using var server = await StartAsync(ThreeWebPods());
        server.Store.PdbControllerLag = TimeSpan.FromMilliseconds(300);
        using var client = Client(server);
        await client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(
            KubernetesJson.Deserialize<V1PodDisruptionBudget>(Pdb(Ns, "web-pdb", "\"maxUnavailable\":1")), Ns, cancellationToken: Timeout());

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Contains("still being processed", status.Details.Causes.Single().Message, StringComparison.Ordinal);

        await EventuallyAsync(() => PdbStatus(server, "web-pdb")["observedGeneration"]?.GetValue<long>() == 1, TestTimeout, "controller sync");
        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout());
    }

    [Fact]
    public async Task Pod_with_two_budgets_is_a_500_without_reason()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "a", "\"minAvailable\":1"), Pdb(Ns, "b", "\"maxUnavailable\":1")]);
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Null(status.Reason);
        Assert.Equal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", status.Message);
        Assert.NotNull(server.Store.Get("pods", Ns, "web-1"));
    }

    [Fact]
    public async Task Missing_pod_is_404_NotFound()
    {
        await using var server = await StartAsync();
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "gone"), "gone", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("pods \"gone\" not found", status.Message);
        Assert.Equal("gone", status.Details.Name);
        Assert.Equal("pods", status.Details.Kind);
    }

    [Fact]
    public async Task Uid_precondition_mismatch_is_409_Conflict_and_the_pod_stays()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1", uid: "some-older-uid"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status.Reason);
        Assert.Contains("the UID in the precondition (some-older-uid) does not match the UID in record (uid-web-1)", status.Message, StringComparison.Ordinal);
        Assert.NotNull(server.Store.Get("pods", Ns, "web-1"));

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1", uid: "uid-web-1"), "web-1", Ns, cancellationToken: Timeout());
        Assert.Null(server.Store.Get("pods", Ns, "web-1"));
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    public async Task Non_running_pods_bypass_an_exhausted_budget(string phase)
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pod(Ns, "web-x", phase: phase, ready: false), Pdb(Ns, "web-pdb", "\"minAvailable\":3")]);
        Assert.Equal(0, Allowed(server, "web-pdb"));
        server.Store.PdbControllerEnabled = false;
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-x"), "web-x", Ns, cancellationToken: Timeout());

        Assert.Null(server.Store.Get("pods", Ns, "web-x"));
        Assert.Null(PdbStatus(server, "web-pdb")["disruptedPods"]);
    }

    [Fact]
    public async Task Unready_pod_with_AlwaysAllow_goes_without_consuming_budget()
    {
        await using var server = await StartAsync([.. ThreeWebPods(ready: false), Pdb(Ns, "web-pdb", "\"minAvailable\":2", extraSpec: ",\"unhealthyPodEvictionPolicy\":\"AlwaysAllow\"")]);
        Assert.Equal(0, Allowed(server, "web-pdb")); // 2 healthy of 2 desired
        server.Store.PdbControllerEnabled = false;
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout());

        Assert.Null(server.Store.Get("pods", Ns, "web-1"));
        Assert.Null(PdbStatus(server, "web-pdb")["disruptedPods"]);
    }

    [Fact]
    public async Task Unready_pod_with_IfHealthyBudget_goes_when_the_budget_is_healthy_and_is_refused_otherwise()
    {
        await using var server = await StartAsync([.. ThreeWebPods(ready: false), Pdb(Ns, "healthy", "\"minAvailable\":2")]);
        using var client = Client(server);

        // currentHealthy 2 >= desiredHealthy 2 > 0: deleted without decrement
        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout());
        Assert.Null(server.Store.Get("pods", Ns, "web-1"));

        server.Store.Put(Pod(Ns, "web-4", owner: "web-rs", ready: false));
        server.Store.Update("pdb", Ns, "healthy", pdb => pdb["spec"]!["minAvailable"] = 3); // now 2 healthy < 3 desired
        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-4"), "web-4", Ns, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Equal("The disruption budget healthy needs 3 healthy pods and has 2 currently", status.Details.Causes.Single().Message);
    }

    [Fact]
    public async Task Dry_run_in_the_query_validates_but_neither_deletes_nor_decrements()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":2")]);
        using var client = Client(server);

        for (int i = 1; i <= 3; i++)
        {
            await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, $"web-{i}"), $"web-{i}", Ns, dryRun: "All", cancellationToken: Timeout());
        }

        Assert.Equal(3, server.Store.Count("pods", Ns));
        Assert.Equal(1, Allowed(server, "web-pdb"));
        Assert.All(server.Journal.Find("POST", "/api/v1/namespaces/shop/pods/*/eviction"), e => Assert.Equal("All", e.QueryValue("dryRun")));
    }

    [Fact]
    public async Task Dry_run_in_the_body_gives_the_same_answers_as_a_real_eviction()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":3")]);
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1", dryRun: true), "web-1", Ns, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Equal("DisruptionBudget", status.Details.Causes.Single().Reason);

        server.Store.Update("pdb", Ns, "web-pdb", pdb => pdb["spec"]!["minAvailable"] = 2);
        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1", dryRun: true), "web-1", Ns, cancellationToken: Timeout());
        Assert.NotNull(server.Store.Get("pods", Ns, "web-1"));
        Assert.Equal(1, Allowed(server, "web-pdb"));
        Assert.Null(server.Store.Get("pods", Ns, "web-1")!["status"]!["conditions"]!.AsArray().FirstOrDefault(c => c!["type"]!.GetValue<string>() == "DisruptionTarget"));
    }

    [Fact]
    public async Task Name_mismatch_is_400_and_a_bad_dry_run_value_is_422()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "other"), "web-1", Ns, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("BadRequest", status.Reason);
        Assert.Equal("name in URL does not match name in Eviction object", status.Message);

        (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("elsewhere", "web-1"), "web-1", Ns, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("the namespace of the provided object does not match the namespace sent on the request", status.Message);

        (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, dryRun: "Yes", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("Invalid", status.Reason);
        Assert.NotNull(server.Store.Get("pods", Ns, "web-1"));
    }

    [Fact]
    public async Task Body_without_kind_and_apiVersion_is_accepted()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var client = Client(server);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = "web-1" } }, "web-1", Ns, cancellationToken: Timeout());

        Assert.Null(server.Store.Get("pods", Ns, "web-1"));
    }

    [Fact]
    public async Task Negative_allowed_disruptions_is_403_Forbidden()
    {
        await using var server = await StartAsync([.. ThreeWebPods(), Pdb(Ns, "web-pdb", "\"minAvailable\":1")]);
        server.Store.PdbControllerEnabled = false;
        server.Store.SetPdbStatus(Ns, "web-pdb", status => status["disruptionsAllowed"] = -1);
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal("poddisruptionbudget.policy \"web-pdb\" is forbidden: pdb disruptions allowed is negative", status.Message);
        Assert.Equal("policy", status.Details.Group);
    }

    [Fact]
    public async Task Terminating_namespace_is_403_with_a_NamespaceTerminating_cause()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        server.Store.Update("namespaces", null, Ns, ns => ns["status"] = new JsonObject { ["phase"] = "Terminating" });
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Ns, "web-1"), "web-1", Ns, cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("NamespaceTerminating", status.Details.Causes.Single().Reason);
    }

    [Fact]
    public async Task Different_dry_run_in_query_and_body_is_a_500()
    {
        await using var server = await StartAsync(Pod(Ns, "web-1"));
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await http.PostAsync(new Uri("api/v1/namespaces/shop/pods/web-1/eviction?dryRun=All", UriKind.Relative),
            new StringContent("""{"metadata":{"name":"web-1"},"deleteOptions":{"dryRun":["All","All"]}}""", System.Text.Encoding.UTF8, "application/json"), Timeout());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Non-matching dry-run options", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_cluster_budgets_answer_as_their_status_says()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        string ledger = server.Store.List("pods", "payments").Select(p => p["metadata"]!["name"]!.GetValue<string>()).Single(n => n.StartsWith("ledger-writer-", StringComparison.Ordinal));

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("payments", ledger), ledger, "payments", cancellationToken: Timeout()));

        Assert.Equal(HttpStatusCode.TooManyRequests, code);
        Assert.Equal("The disruption budget ledger-writer needs 1 healthy pods and has 1 currently", status.Details.Causes.Single().Message);
    }
}
