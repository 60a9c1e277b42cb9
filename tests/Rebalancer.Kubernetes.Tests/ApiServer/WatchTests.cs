using System.Net.Http.Headers;
using System.Text.Json;
using k8s;
using k8s.Models;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>Watches: KubernetesClient's watch enumerable, resourceVersion replay, selector transitions, 410 for compacted history.</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Client_watch_sees_an_eviction_as_modified_then_deleted()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        var list = await client.CoreV1.ListNamespacedPodAsync("shop", cancellationToken: Timeout());
        string victim = list.Items.First(p => p.Metadata.Name.StartsWith("storefront-", StringComparison.Ordinal)).Metadata.Name;
        using var cancellation = new CancellationTokenSource(TestTimeout);

        var events = new List<(WatchEventType Type, V1Pod Pod)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("shop", resourceVersion: list.Metadata.ResourceVersion,
                allowWatchBookmarks: true, cancellationToken: cancellation.Token))
            {
                events.Add((type, pod));
                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        });
        await server.Journal.WaitForAsync(e => e.IsWatch && e.Path == "/api/v1/namespaces/shop/pods", TestTimeout);

        await client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("shop", victim), victim, "shop", cancellationToken: cancellation.Token);
        await watching.WaitAsync(TestTimeout);

        Assert.Equal([WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(victim, e.Pod.Metadata.Name));
        Assert.Contains(events[0].Pod.Status.Conditions, c => c.Type == "DisruptionTarget" && c.Reason == "EvictionByEvictionAPI");
        Assert.True(long.Parse(events[1].Pod.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)
            > long.Parse(events[0].Pod.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Watch_without_resource_version_starts_with_synthetic_added_events()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        using var cancellation = new CancellationTokenSource(TestTimeout);

        int added = 0;
        await foreach (var (type, _) in client.CoreV1.WatchListNamespacedPodAsync("payments", cancellationToken: cancellation.Token))
        {
            Assert.Equal(WatchEventType.Added, type);
            if (++added == server.Store.Count("pods", "payments"))
            {
                break;
            }
        }
    }

    [Fact]
    public async Task Raw_watch_replays_from_a_resource_version_honours_selectors_and_times_out()
    {
        await using var server = await StartEmptyAsync();
        server.Store.LoadJson(List(Node("node-a"), Pod("default", "a"), Pod("default", "b", labels: "\"app\":\"db\"")));
        long from = server.Store.ResourceVersion;
        server.Store.Update("pods", "default", "b", pod => pod["metadata"]!["labels"]!["app"] = "web"); // starts matching
        server.Store.Delete("pods", "default", "a");
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        string body = await http.GetStringAsync(new Uri($"api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb&resourceVersion={from}&timeoutSeconds=1", UriKind.Relative), Timeout());

        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["ADDED", "DELETED"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal("b", lines[0].GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("a", lines[1].GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Watch_from_a_compacted_resource_version_gets_an_error_event_410()
    {
        await using var server = await StartEmptyAsync();
        server.Store.LoadJson(List(Node("node-a")));
        long old = server.Store.ResourceVersion;
        server.Store.Put(Node("node-b"));
        server.Store.Compact();
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        string body = await http.GetStringAsync(new Uri($"api/v1/nodes?watch=1&resourceVersion={old}", UriKind.Relative), Timeout());

        var error = JsonDocument.Parse(body.Trim()).RootElement;
        Assert.Equal("ERROR", error.GetProperty("type").GetString());
        Assert.Equal(410, error.GetProperty("object").GetProperty("code").GetInt32());
        Assert.Equal("Expired", error.GetProperty("object").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Table_watch_sends_column_definitions_once()
    {
        await using var server = await StartEmptyAsync();
        server.Store.LoadJson(List(Node("node-a"), Node("node-b")));
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/nodes?watch=true&timeoutSeconds=1", UriKind.Relative));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));

        using var response = await http.SendAsync(request, Timeout());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("object")).ToList();

        Assert.Equal(2, lines.Count);
        Assert.All(lines, t => Assert.Equal("Table", t.GetProperty("kind").GetString()));
        Assert.True(lines[0].TryGetProperty("columnDefinitions", out _));
        Assert.False(lines[1].TryGetProperty("columnDefinitions", out _));
    }
}
