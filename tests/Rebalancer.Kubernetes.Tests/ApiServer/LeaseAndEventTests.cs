using System.Net;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>
/// coordination.k8s.io/v1 Leases and Events (core/v1 and events.k8s.io/v1, one storage) through KubernetesClient and the
/// real kubectl, with the real server's optimistic concurrency and validation answers.
/// </summary>
public sealed class LeaseAndEventTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static V1Lease Lease(string holder, int seconds = 60) => new()
    {
        Metadata = new V1ObjectMeta { Name = "rebalancer" },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = holder,
            LeaseDurationSeconds = seconds,
            AcquireTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            RenewTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            LeaseTransitions = 0,
        },
    };

    [Fact]
    public async Task Leases_are_created_once_and_updated_only_from_the_latest_resourceVersion()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        V1Lease created = await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("run-a"), "default", cancellationToken: Timeout());
        Assert.Equal(("run-a", 60), (created.Spec.HolderIdentity, created.Spec.LeaseDurationSeconds));
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), created.Spec.RenewTime);

        // A second run racing to create the same lease: AlreadyExists.
        var (code, status, _) = await FailsAsync(() => client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("run-b"), "default", cancellationToken: Timeout()));
        Assert.Equal((HttpStatusCode.Conflict, "AlreadyExists"), (code, status.Reason));
        Assert.Equal("leases.coordination.k8s.io \"rebalancer\" already exists", status.Message);

        // Both read it; the first update wins, the second (from the same resourceVersion) gets 409 Conflict.
        V1Lease readByA = await client.CoordinationV1.ReadNamespacedLeaseAsync("rebalancer", "default", cancellationToken: Timeout());
        V1Lease readByB = await client.CoordinationV1.ReadNamespacedLeaseAsync("rebalancer", "default", cancellationToken: Timeout());
        readByA.Spec.RenewTime = readByA.Spec.RenewTime!.Value.AddSeconds(20);
        V1Lease renewed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(readByA, "rebalancer", "default", cancellationToken: Timeout());
        Assert.NotEqual(readByA.Metadata.ResourceVersion, renewed.Metadata.ResourceVersion);
        readByB.Spec.HolderIdentity = "run-b";
        (code, status, _) = await FailsAsync(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(readByB, "rebalancer", "default", cancellationToken: Timeout()));
        Assert.Equal((HttpStatusCode.Conflict, "Conflict"), (code, status.Reason));
        Assert.Equal("Operation cannot be fulfilled on leases.coordination.k8s.io \"rebalancer\": the object has been modified; please apply your changes to the latest version and try again",
            status.Message);
        Assert.Equal(("coordination.k8s.io", "leases"), (status.Details.Group, status.Details.Kind));
        Assert.Equal("run-a", server.Store.Get<V1Lease>("default", "rebalancer")!.Spec.HolderIdentity);

        // Leases allow no unconditional update: a PUT without resourceVersion is invalid.
        readByB.Metadata.ResourceVersion = null;
        (code, status, _) = await FailsAsync(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(readByB, "rebalancer", "default", cancellationToken: Timeout()));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Invalid"), (code, status.Reason));
        Assert.Equal("leases.coordination.k8s.io \"rebalancer\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", status.Message);
    }

    [Fact]
    public async Task Leases_are_validated_and_a_put_creates_a_missing_one()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        var (code, status, _) = await FailsAsync(() => client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("run-a", seconds: 0), "default", cancellationToken: Timeout()));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Invalid"), (code, status.Reason));
        Assert.Equal("Lease.coordination.k8s.io \"rebalancer\" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0", status.Message);
        Assert.Equal(("FieldValueInvalid", "spec.leaseDurationSeconds"), (Assert.Single(status.Details.Causes).Reason, status.Details.Causes[0].Field));

        (code, _, _) = await FailsAsync(() => client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("run-a"), "no-such-namespace", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.NotFound, code);

        V1Lease put = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(Lease("run-a"), "rebalancer", "default", cancellationToken: Timeout());
        Assert.Equal(201, server.Journal.Find("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/rebalancer").Single().StatusCode);
        Assert.Equal("run-a", put.Spec.HolderIdentity);
        Assert.False(string.IsNullOrEmpty(put.Metadata.Uid));
    }

    private static Eventsv1Event Descheduled(string pod, string uid) => new()
    {
        Metadata = new V1ObjectMeta { Name = pod + ".17f2a3b4c5d6e7f8" },
        EventTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        ReportingController = "rebalancer.io/rebalancer",
        ReportingInstance = "rebalancer-host-1",
        Action = "Descheduled",
        Reason = "RemoveDuplicates",
        Regarding = new V1ObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod, NamespaceProperty = "shop", Uid = uid },
        Note = "pod evicted from node-a node by rebalancer",
        Type = "Normal",
    };

    [Fact]
    public async Task Events_are_one_storage_seen_through_both_apis()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);

        await client.EventsV1.CreateNamespacedEventAsync(Descheduled("web-1", "uid-web-1"), "shop", cancellationToken: Timeout());

        // The core view, as kubectl describe reads it: regarding → involvedObject, note → message, reportingController → reportingComponent.
        var core = await client.CoreV1.ListNamespacedEventAsync("shop", fieldSelector: "involvedObject.name=web-1,involvedObject.uid=uid-web-1", cancellationToken: Timeout());
        Corev1Event seen = Assert.Single(core.Items);
        Assert.Equal(("Pod", "web-1", "shop"), (seen.InvolvedObject.Kind, seen.InvolvedObject.Name, seen.InvolvedObject.NamespaceProperty));
        Assert.Equal(("RemoveDuplicates", "Descheduled", "pod evicted from node-a node by rebalancer"), (seen.Reason, seen.Action, seen.Message));
        Assert.Equal(("rebalancer.io/rebalancer", "rebalancer-host-1"), (seen.ReportingComponent, seen.ReportingInstance));

        // A core event shows in the events.k8s.io view, with the same name and resourceVersion.
        Corev1Event legacy = await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "legacy.1" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web-2", NamespaceProperty = "shop" },
            Reason = "Evicted", Message = "old-style", Type = "Normal", Source = new V1EventSource { Component = "someone" }, Count = 1,
        }, "shop", cancellationToken: Timeout());
        var modern = await client.EventsV1.ListNamespacedEventAsync("shop", fieldSelector: "regarding.name=web-2", cancellationToken: Timeout());
        Eventsv1Event converted = Assert.Single(modern.Items);
        Assert.Equal(("legacy.1", legacy.Metadata.ResourceVersion), (converted.Metadata.Name, converted.Metadata.ResourceVersion));
        Assert.Equal(("old-style", "someone", 1), (converted.Note, converted.DeprecatedSource.Component, converted.DeprecatedCount));
        Assert.Equal(2, (await client.EventsV1.ListEventForAllNamespacesAsync(cancellationToken: Timeout())).Items.Count);
        Assert.Equal("RemoveDuplicates", (await client.EventsV1.ReadNamespacedEventAsync("web-1.17f2a3b4c5d6e7f8", "shop", cancellationToken: Timeout())).Reason);
        Assert.Equal(2, server.Store.List<Eventsv1Event>("shop").Count);
    }

    [Fact]
    public async Task Events_created_through_events_k8s_io_are_validated_as_new_style_events()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        Eventsv1Event incomplete = Descheduled("web-1", "uid-web-1");
        incomplete.Action = null;
        incomplete.ReportingController = null;
        incomplete.Type = "Info";

        var (code, status, _) = await FailsAsync(() => client.EventsV1.CreateNamespacedEventAsync(incomplete, "shop", cancellationToken: Timeout()));

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "Invalid"), (code, status.Reason));
        Assert.Equal("Event.events.k8s.io \"web-1.17f2a3b4c5d6e7f8\" is invalid: [reportingController: Required value, action: Required value, type: Invalid value: \"\": has invalid value: Info]",
            status.Message);
        Assert.Equal(["reportingController", "action", "type"], status.Details.Causes.Select(c => c.Field));
        Assert.Empty(server.Store.List("events", "shop"));

        Eventsv1Event node = Descheduled("web-1", "uid");
        node.Regarding = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = "node-a" };
        (code, status, _) = await FailsAsync(() => client.EventsV1.CreateNamespacedEventAsync(node, "shop", cancellationToken: Timeout()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Contains("regarding.namespace: Invalid value: \"\": does not match event.namespace", status.Message, StringComparison.Ordinal);
        Assert.NotNull(await client.EventsV1.CreateNamespacedEventAsync(node, "default", cancellationToken: Timeout())); // cluster-scoped objects' events go to default
    }

    [Fact]
    public async Task Watching_events_k8s_io_sees_a_core_event_in_its_own_shape()
    {
        await using var server = await StartDemoAsync();
        using var client = Client(server);
        using var cancellation = new CancellationTokenSource(TestTimeout);
        var watching = Task.Run(async () =>
        {
            await foreach (var (_, e) in client.EventsV1.WatchListNamespacedEventAsync("shop", cancellationToken: cancellation.Token))
            {
                return e;
            }

            throw new InvalidOperationException("the watch ended without an event");
        });
        await server.Journal.WaitForAsync(e => e.IsWatch && e.Path == "/apis/events.k8s.io/v1/namespaces/shop/events", TestTimeout);

        server.Store.Put(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "put.1", NamespaceProperty = "shop" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web-3", NamespaceProperty = "shop" },
            Reason = "Test", Message = "from the store", Type = "Warning",
        });

        Eventsv1Event e = await watching.WaitAsync(TestTimeout);
        Assert.Equal(("put.1", "from the store", "web-3"), (e.Metadata.Name, e.Note, e.Regarding.Name));
    }

    [KubectlFact]
    public async Task Kubectl_api_resources_lists_leases_and_both_event_apis()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);

        var result = await kubectl.RunAsync(["api-resources", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^leases\s+coordination\.k8s\.io/v1\s+true\s+Lease\s*$", result.Output);
        Assert.Matches(@"(?m)^events\s+ev\s+v1\s+true\s+Event\s*$", result.Output);
        Assert.Matches(@"(?m)^events\s+ev\s+events\.k8s\.io/v1\s+true\s+Event\s*$", result.Output);
    }

    [KubectlFact]
    public async Task Kubectl_get_events_and_describe_pod_show_an_event_recorded_through_events_k8s_io()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        using var client = Client(server);
        V1Pod pod = server.Store.List<V1Pod>("shop").First(p => p.Metadata.Name.StartsWith("storefront-", StringComparison.Ordinal));
        Eventsv1Event recorded = Descheduled(pod.Metadata.Name, pod.Metadata.Uid);
        recorded.EventTime = DateTime.UtcNow.AddSeconds(-5);
        await client.EventsV1.CreateNamespacedEventAsync(recorded, "shop", cancellationToken: Timeout());

        var get = await kubectl.RunAsync(["get", "events", "-n", "shop", "--request-timeout=20s"], Bound);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE", get.Output);
        Assert.Matches($@"\d+s\s+Normal\s+RemoveDuplicates\s+pod/{pod.Metadata.Name}\s+pod evicted from node-a node by rebalancer", get.Output);

        var describe = await kubectl.RunAsync(["describe", "pod", pod.Metadata.Name, "-n", "shop", "--request-timeout=20s"], Bound);
        Assert.True(describe.ExitCode == 0, describe.ToString());
        Assert.Matches(@"Events:\s+Type\s+Reason\s+Age\s+From\s+Message", describe.Output);
        Assert.Matches(@"Normal\s+RemoveDuplicates\s+\d+s\s+rebalancer\.io/rebalancer\s+pod evicted from node-a node by rebalancer", describe.Output);
        Assert.Contains(server.Journal.Entries, e => e.Path == "/api/v1/namespaces/shop/events" && (e.QueryValue("fieldSelector") ?? "").Contains("involvedObject.uid=" + pod.Metadata.Uid, StringComparison.Ordinal));
    }

    [KubectlFact]
    public async Task Kubectl_get_leases_shows_the_holder()
    {
        await using var server = await StartDemoAsync();
        using var kubectl = new Kubectl(server);
        using var client = Client(server);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("run-a"), "default", cancellationToken: Timeout());

        var result = await kubectl.RunAsync(["get", "lease", "rebalancer", "-o", "jsonpath={.spec.holderIdentity}", "--request-timeout=20s"], Bound);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("run-a", result.Output);
    }
}
