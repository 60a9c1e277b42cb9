using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>Discovery, version, metrics, events, node patches, pod deletes, faults and the journal, through real clients.</summary>
public sealed class ServerApiTests
{
    [Fact]
    public async Task Version_and_discovery_look_like_a_1_32_server()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var version = await client.Version.GetCodeAsync(Timeout());
        Assert.Equal("1", version.Major);
        Assert.Equal("32", version.Minor);
        Assert.StartsWith("v1.32.", version.GitVersion, StringComparison.Ordinal);
        Assert.Contains(server.Journal.Entries, e => e.Path == "/version/");

        var core = await client.CoreV1.GetAPIResourcesAsync(Timeout());
        var eviction = Assert.Single(core.Resources, r => r.Name == "pods/eviction");
        Assert.Equal(("policy", "v1", "Eviction"), (eviction.Group, eviction.Version, eviction.Kind));
        Assert.Contains(core.Resources, r => r.Name == "nodes" && r.ShortNames.Contains("no"));

        var groups = await client.Apis.GetAPIVersionsAsync(Timeout());
        Assert.Equal(["apps", "events.k8s.io", "autoscaling", "batch", "policy", "scheduling.k8s.io", "coordination.k8s.io", "metrics.k8s.io"], groups.Groups.Select(g => g.Name));
        var policy = await client.PolicyV1.GetAPIResourcesAsync(Timeout());
        Assert.Contains(policy.Resources, r => r.Name == "poddisruptionbudgets" && r.ShortNames.Contains("pdb"));
    }

    [Fact]
    public async Task Metrics_group_is_served_only_with_metrics_loaded()
    {
        await using var empty = await StartEmptyAsync();
        using var emptyClient = Client(empty);
        var groups = await emptyClient.Apis.GetAPIVersionsAsync(Timeout());
        Assert.DoesNotContain(groups.Groups, g => g.Name == "metrics.k8s.io");
        var (code, status, _) = await FailsAsync(() => emptyClient.GetKubernetesNodesMetricsAsync());
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("the server could not find the requested resource", status.Message);

        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var nodes = await client.GetKubernetesNodesMetricsAsync();
        var pods = await client.GetKubernetesPodsMetricsAsync();
        var payments = await client.GetKubernetesPodsMetricsByNamespaceAsync("payments");

        Assert.Equal(50, nodes.Items.Count());
        Assert.All(nodes.Items, n => Assert.True(n.Usage["cpu"].ToDecimal() > 0));
        Assert.Equal(338, pods.Items.Count());
        Assert.All(payments.Items, p => Assert.Equal("payments", p.Metadata.NamespaceProperty));
        Assert.NotEmpty(payments.Items);
    }

    [Fact]
    public async Task Evicted_pods_drop_out_of_pod_metrics()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var before = (await client.GetKubernetesPodsMetricsByNamespaceAsync("shop")).Items.ToList();
        string victim = before.First(p => p.Metadata.Name.StartsWith("storefront-", StringComparison.Ordinal)).Metadata.Name;

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("shop", victim), victim, "shop", cancellationToken: Timeout());

        var after = (await client.GetKubernetesPodsMetricsByNamespaceAsync("shop")).Items.ToList();
        Assert.Equal(before.Count - 1, after.Count);
    }

    [Fact]
    public async Task Events_are_accepted_and_listed_on_both_apis()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var created = await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "rebalancer-" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web-1", NamespaceProperty = "shop" },
            Reason = "Evicted",
            Message = "evicted by rebalancer",
            Type = "Normal",
            Source = new V1EventSource { Component = "rebalancer" },
        }, "shop", cancellationToken: Timeout());
        await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "rebalancer.1" },
            EventTime = DateTime.UtcNow,
            ReportingController = "rebalancer.io/descheduler",
            ReportingInstance = "rebalancer-1",
            Action = "Evict",
            Reason = "Rebalanced",
            Regarding = new V1ObjectReference { Kind = "Pod", Name = "web-1", NamespaceProperty = "shop" },
            Type = "Normal",
        }, "shop", cancellationToken: Timeout());

        Assert.StartsWith("rebalancer-", created.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(201, server.Journal.Find("POST", "/api/v1/namespaces/shop/events").Single().StatusCode);
        var core = await client.CoreV1.ListNamespacedEventAsync("shop", fieldSelector: "reason=Evicted,involvedObject.name=web-1", cancellationToken: Timeout());
        Assert.Equal("evicted by rebalancer", Assert.Single(core.Items).Message);
        var modern = await client.EventsV1.ListEventForAllNamespacesAsync(fieldSelector: "reason=Rebalanced", cancellationToken: Timeout());
        Assert.Equal("Rebalanced", Assert.Single(modern.Items).Reason);
        Assert.Equal(2, (await client.EventsV1.ListEventForAllNamespacesAsync(cancellationToken: Timeout())).Items.Count); // one storage: both events

        var (code, _, _) = await FailsAsync(() => client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "x" }, InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p" },
        }, "no-such-namespace", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Node_cordon_patch_persists_unless_dry_run()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        string node = (await client.CoreV1.ListNodeAsync(limit: 1, cancellationToken: Timeout())).Items[0].Metadata.Name;
        var cordon = new V1Patch("""{"spec":{"unschedulable":true}}""", V1Patch.PatchType.StrategicMergePatch);

        var dry = await client.CoreV1.PatchNodeAsync(cordon, node, dryRun: "All", cancellationToken: Timeout());
        Assert.True(dry.Spec.Unschedulable);
        Assert.NotEqual(true, (await client.CoreV1.ReadNodeAsync(node, cancellationToken: Timeout())).Spec.Unschedulable);

        var patched = await client.CoreV1.PatchNodeAsync(cordon, node, cancellationToken: Timeout());
        Assert.True(patched.Spec.Unschedulable);
        Assert.Equal(2, (await client.CoreV1.ListNodeAsync(fieldSelector: "spec.unschedulable=true", cancellationToken: Timeout())).Items.Count);

        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"spec":{"unschedulable":null}}""", V1Patch.PatchType.MergePatch), node, cancellationToken: Timeout());
        Assert.Null((await client.CoreV1.ReadNodeAsync(node, cancellationToken: Timeout())).Spec.Unschedulable);

        var labelled = await client.CoreV1.PatchNodeAsync(new V1Patch("""[{"op":"add","path":"/metadata/labels/rebalancer","value":"yes"}]""", V1Patch.PatchType.JsonPatch), node, cancellationToken: Timeout());
        Assert.Equal("yes", labelled.Metadata.Labels["rebalancer"]);
        Assert.NotNull(labelled.Status.Allocatable); // status untouched by a main-resource patch
    }

    [Fact]
    public async Task Pod_delete_honours_preconditions_and_returns_the_pod()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var pod = (await client.CoreV1.ListNamespacedPodAsync("shop", limit: 1, cancellationToken: Timeout())).Items[0];

        var (code, status, _) = await FailsAsync(() => client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, "shop",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-the-uid" } }, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", status.Reason);
        Assert.Contains("Precondition failed: UID in precondition: not-the-uid", status.Message, StringComparison.Ordinal);

        var deleted = await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, "shop",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken: Timeout());
        Assert.Equal(pod.Metadata.Uid, deleted.Metadata.Uid);
        Assert.Null(server.Store.Get("pods", "shop", pod.Metadata.Name));
    }

    [Fact]
    public async Task Graceful_deletion_delay_keeps_a_terminating_pod_for_a_while()
    {
        await using var server = await StartDemoAsync();
        server.Store.PodDeletionDelay = TimeSpan.FromMilliseconds(400);
        using var client = Client(server);
        var pod = (await client.CoreV1.ListNamespacedPodAsync("shop", limit: 1, cancellationToken: Timeout())).Items[0];

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("shop", pod.Metadata.Name), pod.Metadata.Name, "shop", cancellationToken: Timeout());

        var terminating = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "shop", cancellationToken: Timeout());
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        await EventuallyAsync(() => server.Store.Get("pods", "shop", pod.Metadata.Name) is null, TestTimeout, "pod removal");
    }

    [Fact]
    public async Task Faults_fail_a_share_of_evictions_with_503()
    {
        await using var server = await StartDemoAsync();
        var rule = server.Faults.FailWith(503, "POST", "/api/v1/namespaces/*/pods/*/eviction", rate: 0.3);
        using var client = Client(server);
        var pods = (await client.CoreV1.ListNamespacedPodAsync("monitoring", cancellationToken: Timeout())).Items
            .Where(p => p.Metadata.OwnerReferences?.Any(o => o.Kind == "DaemonSet") == true).Take(40).ToList();

        int failed = 0;
        foreach (var pod in pods)
        {
            try
            {
                await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("monitoring", pod.Metadata.Name, dryRun: true), pod.Metadata.Name, "monitoring", cancellationToken: Timeout());
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal("ServiceUnavailable", KubernetesJson.Deserialize<V1Status>(e.Response.Content).Reason);
                failed++;
            }
        }

        Assert.Equal(pods.Count, rule.Matched);
        Assert.Equal(failed, rule.Injected);
        Assert.InRange(failed, pods.Count / 10, pods.Count / 2);
        Assert.Equal(failed, server.Journal.Entries.Count(e => e.Fault == "Status" && e.StatusCode == 503));
    }

    [Fact]
    public async Task Faults_add_latency_and_drop_connections()
    {
        await using var server = await StartDemoAsync();
        server.Faults.Delay(TimeSpan.FromMilliseconds(300), "GET", "/api/v1/nodes");
        server.Faults.Abort("GET", "/api/v1/namespaces/*/pods", times: 1);
        using var client = Client(server);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.CoreV1.ListNodeAsync(cancellationToken: Timeout());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"took {clock.Elapsed}");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ListNamespacedPodAsync("shop", cancellationToken: Timeout()));

        // The client sees the dropped connection before the server's pipeline has finished recording the request.
        await ApiServerTestKit.EventuallyAsync(() => server.Journal.Find("GET", "/api/v1/namespaces/shop/pods").Any(), TimeSpan.FromSeconds(10), "the aborted request in the journal");
        Assert.Equal(0, server.Journal.Find("GET", "/api/v1/namespaces/shop/pods").Single().StatusCode);
        Assert.NotEmpty((await client.CoreV1.ListNamespacedPodAsync("shop", cancellationToken: Timeout())).Items);
    }

    [Fact]
    public async Task Journal_records_method_path_query_body_and_status()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("shop", "nope"), "nope", "shop", dryRun: "All", cancellationToken: Timeout()));

        var entry = server.Journal.Find("POST", "/api/v1/namespaces/*/pods/*/eviction").Single();
        Assert.Equal(404, entry.StatusCode);
        Assert.Equal("?dryRun=All", entry.Query);
        Assert.Equal("nope", JsonDocument.Parse(entry.Body!).RootElement.GetProperty("metadata").GetProperty("name").GetString());
        Assert.StartsWith("application/json", entry.ContentType, StringComparison.Ordinal);
        Assert.Contains("kubernetes-csharp", entry.UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubeconfig_written_by_the_server_works_for_KubernetesClient()
    {
        await using var server = await StartDemoAsync();
        string dir = Directory.CreateTempSubdirectory("rebalancer-kubeconfig-").FullName;
        try
        {
            string path = server.WriteKubeconfig(Path.Combine(dir, "config"), "demo");
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            using var client = new k8s.Kubernetes(config);

            var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: Timeout());

            Assert.Equal(50, nodes.Items.Count);
            Assert.Equal("default", config.Namespace);
            Assert.Contains(server.Journal.Entries, e => e.Path == "/api/v1/nodes");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Unknown_paths_and_methods_get_Status_bodies()
    {
        await using var server = await StartEmptyAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var unknown = await http.GetAsync(new Uri("apis/networking.k8s.io/v1/ingresses", UriKind.Relative), Timeout());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}""",
            await unknown.Content.ReadAsStringAsync());

        using var notAllowed = await http.DeleteAsync(new Uri("api/v1/nodes", UriKind.Relative), Timeout());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, notAllowed.StatusCode);
    }
}
