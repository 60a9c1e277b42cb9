using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>LIST through KubernetesClient: paging with continue tokens, consistent snapshots, 410 restarts, selectors (spec §3).</summary>
public sealed class ListAndSelectorTests
{
    private static async Task<List<V1Pod>> ListAllPodsAsync(k8s.Kubernetes client, int limit, string? fieldSelector = null, string? labelSelector = null)
    {
        var pods = new List<V1Pod>();
        string? cont = null;
        do
        {
            var page = await client.CoreV1.ListPodForAllNamespacesAsync(limit: limit, continueParameter: cont, fieldSelector: fieldSelector,
                labelSelector: labelSelector, cancellationToken: Timeout());
            pods.AddRange(page.Items);
            cont = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(cont));
        return pods;
    }

    [Fact]
    public async Task Paging_across_many_pages_returns_every_pod_once_in_key_order()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var pods = await ListAllPodsAsync(client, limit: 7);

        Assert.Equal(345, pods.Count);
        var keys = pods.Select(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name).ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        var requests = server.Journal.Find("GET", "/api/v1/pods");
        Assert.Equal(50, requests.Count);
        Assert.All(requests, r => Assert.Equal("false", r.QueryValue("watch")));
    }

    [Fact]
    public async Task Pages_come_from_one_snapshot_even_when_pods_change_meanwhile()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var first = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 100, cancellationToken: Timeout());
        Assert.Equal(245, first.Metadata.RemainingItemCount);
        foreach (var pod in server.Store.List("pods", "shop"))
        {
            server.Store.Delete("pods", "shop", pod["metadata"]!["name"]!.GetValue<string>());
        }

        var rest = new List<V1Pod>();
        string? cont = first.Metadata.ContinueProperty;
        while (!string.IsNullOrEmpty(cont))
        {
            var page = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 100, continueParameter: cont, cancellationToken: Timeout());
            Assert.Equal(first.Metadata.ResourceVersion, page.Metadata.ResourceVersion);
            rest.AddRange(page.Items);
            cont = page.Metadata.ContinueProperty;
        }

        Assert.Equal(345, first.Items.Count + rest.Count);
        var fresh = await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: Timeout());
        Assert.DoesNotContain(fresh.Items, p => p.Metadata.NamespaceProperty == "shop");
    }

    [Fact]
    public async Task Expired_continue_token_is_410_Expired_and_a_restarted_list_is_complete()
    {
        await using var server = await StartDemoAsync();
        server.Faults.ExpireContinue("/api/v1/pods", page: 3, times: 1);
        using var client = Client(server);

        var pods = new List<V1Pod>();
        string? cont = null;
        int restarts = 0;
        HttpOperationException? expired = null;
        bool more = true;
        while (more)
        {
            try
            {
                var page = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 50, continueParameter: cont, cancellationToken: Timeout());
                pods.AddRange(page.Items);
                cont = page.Metadata.ContinueProperty;
                more = !string.IsNullOrEmpty(cont);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                expired = e; // restart from scratch: the simplest consistent answer to 410
                restarts++;
                pods.Clear();
                cont = null;
            }
        }

        Assert.Equal(1, restarts);
        Assert.Equal(345, pods.Count);
        var status = KubernetesJson.Deserialize<V1Status>(expired!.Response.Content);
        Assert.Equal("Expired", status.Reason);
        Assert.Equal(410, status.Code);
        Assert.StartsWith("The provided continue parameter is too old", status.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(status.Metadata.ContinueProperty));
    }

    [Fact]
    public async Task Compacted_history_expires_tokens_and_the_status_token_continues_inconsistently()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var first = await client.CoreV1.ListNodeAsync(limit: 20, cancellationToken: Timeout());

        server.Store.Delete("nodes", null, first.Items[0].Metadata.Name); // a write after the first page…
        server.Store.Compact();                                          // …then etcd compaction

        var (code, status, _) = await FailsAsync(() =>
            client.CoreV1.ListNodeAsync(limit: 20, continueParameter: first.Metadata.ContinueProperty, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.Gone, code);
        Assert.Equal("Expired", status.Reason);

        var remainder = await client.CoreV1.ListNodeAsync(limit: 100, continueParameter: status.Metadata.ContinueProperty, cancellationToken: Timeout());
        Assert.Equal(30, remainder.Items.Count);
        Assert.NotEqual(first.Metadata.ResourceVersion, remainder.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Bad_tokens_and_token_with_resource_version_are_400()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() => client.CoreV1.ListNodeAsync(limit: 5, continueParameter: "garbage!", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.StartsWith("invalid continue token", status.Message, StringComparison.Ordinal);

        var first = await client.CoreV1.ListNodeAsync(limit: 5, cancellationToken: Timeout());
        (code, status, _) = await FailsAsync(() => client.CoreV1.ListNodeAsync(limit: 5, continueParameter: first.Metadata.ContinueProperty,
            resourceVersion: first.Metadata.ResourceVersion, cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("specifying resource version is not allowed when using continue", status.Message);
    }

    [Fact]
    public async Task Resource_version_zero_ignores_the_limit_and_lists_carry_a_resource_version()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var all = await client.CoreV1.ListNodeAsync(limit: 5, resourceVersion: "0", cancellationToken: Timeout());

        Assert.Equal(50, all.Items.Count);
        Assert.Null(all.Metadata.ContinueProperty);
        Assert.Equal(server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), all.Metadata.ResourceVersion);
        Assert.All(all.Items, n => Assert.False(string.IsNullOrEmpty(n.Metadata.ResourceVersion)));
    }

    [Fact]
    public async Task Field_selectors_on_pods_select_by_node_and_phase()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var everything = await ListAllPodsAsync(client, 500);
        string node = everything.First(p => p.Spec.NodeName is not null).Spec.NodeName;

        var onNode = await ListAllPodsAsync(client, 10, fieldSelector: $"spec.nodeName={node},status.phase!=Succeeded,status.phase!=Failed");
        var notRunning = await ListAllPodsAsync(client, 500, fieldSelector: "status.phase!=Running");
        var unscheduled = await ListAllPodsAsync(client, 500, fieldSelector: "spec.nodeName=");

        Assert.Equal(everything.Count(p => p.Spec.NodeName == node && p.Status.Phase is not ("Succeeded" or "Failed")), onNode.Count);
        Assert.NotEmpty(onNode);
        Assert.Equal(["Failed", "Pending", "Succeeded", "Succeeded", "Succeeded", "Succeeded", "Succeeded"], notRunning.Select(p => p.Status.Phase).Order(StringComparer.Ordinal));
        Assert.Equal("Pending", Assert.Single(unscheduled).Status.Phase);
    }

    [Fact]
    public async Task Node_field_selectors_and_unsupported_fields()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var cordoned = await client.CoreV1.ListNodeAsync(fieldSelector: "spec.unschedulable=true", cancellationToken: Timeout());
        Assert.Equal("ip-10-20-211-150.eu-west-1.compute.internal", Assert.Single(cordoned.Items).Metadata.Name);
        var byName = await client.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=" + cordoned.Items[0].Metadata.Name, cancellationToken: Timeout());
        Assert.Single(byName.Items);

        var (code, status, _) = await FailsAsync(() => client.CoreV1.ListNodeAsync(fieldSelector: "status.phase=Running", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("BadRequest", status.Reason);
        Assert.Equal("field label not supported: status.phase", status.Message);

        (code, status, _) = await FailsAsync(() => client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(fieldSelector: "spec.minAvailable=1", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("field label not supported: spec.minAvailable", status.Message);

        var pdbs = await client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(fieldSelector: "metadata.namespace=payments", cancellationToken: Timeout());
        Assert.Equal(3, pdbs.Items.Count);
    }

    [Fact]
    public async Task Label_selectors_support_the_full_syntax_and_negations_match_missing_keys()
    {
        await using var server = await StartEmptyAsync();
        server.Store.LoadJson(List(
            Node("a", labels: ",\"pool\":\"general\",\"zone\":\"1\""),
            Node("b", labels: ",\"pool\":\"spot\",\"zone\":\"2\""),
            Node("c", labels: ",\"zone\":\"3\""),
            Node("d", labels: ",\"pool\":\"gpu\"")));
        using var client = Client(server);
        async Task<string> Select(string selector) =>
            string.Join(',', (await client.CoreV1.ListNodeAsync(labelSelector: selector, cancellationToken: Timeout())).Items.Select(n => n.Metadata.Name));

        Assert.Equal("a", await Select("pool=general"));
        Assert.Equal("a", await Select("pool==general"));
        Assert.Equal("b,c,d", await Select("pool!=general"));
        Assert.Equal("a,b", await Select("pool in (general,spot)"));
        Assert.Equal("c,d", await Select("pool notin (general,spot)"));
        Assert.Equal("a,b,d", await Select("pool"));
        Assert.Equal("c", await Select("!pool"));
        Assert.Equal("b,c", await Select("zone>1"));
        Assert.Equal("a", await Select("zone<2,pool"));
        Assert.Equal("d", await Select("!zone,pool in (gpu)"));

        var (code, _, _) = await FailsAsync(() => client.CoreV1.ListNodeAsync(labelSelector: "pool in (a", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Namespaced_lists_get_and_404_have_the_real_shapes()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var payments = await client.CoreV1.ListNamespacedPodAsync("payments", cancellationToken: Timeout());
        Assert.All(payments.Items, p => Assert.Equal("payments", p.Metadata.NamespaceProperty));
        var one = await client.CoreV1.ReadNamespacedPodAsync(payments.Items[0].Metadata.Name, "payments", cancellationToken: Timeout());
        Assert.Equal(payments.Items[0].Metadata.Uid, one.Metadata.Uid);
        Assert.Equal("Pod", one.Kind);

        var pdb = await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("ledger-writer", "payments", cancellationToken: Timeout());
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);

        var (code, status, _) = await FailsAsync(() => client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("nope", "payments", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("poddisruptionbudgets.policy \"nope\" not found", status.Message);
        Assert.Equal("policy", status.Details.Group);

        var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: Timeout());
        Assert.Equal(13, namespaces.Items.Count);
        var classes = await client.SchedulingV1.ListPriorityClassAsync(cancellationToken: Timeout());
        Assert.Equal(4, classes.Items.Count);
        var replicaSets = await client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: Timeout());
        Assert.NotEmpty(replicaSets.Items);
    }

    [Fact]
    public async Task Raw_list_json_has_kind_metadata_and_items_without_kind()
    {
        await using var server = await StartEmptyAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var response = await http.GetAsync(new Uri("api/v1/pods", UriKind.Relative), Timeout());

        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        string body = await response.Content.ReadAsStringAsync();
        Assert.Matches("""^\{"kind":"PodList","apiVersion":"v1","metadata":\{"resourceVersion":"\d+"\},"items":\[\]\}$""", body);
    }
}
