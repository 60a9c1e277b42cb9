using System.Net.Http.Headers;
using System.Text.Json;

namespace Rebalancer.Kubernetes.Live;

/// <summary>One policy/v1 Eviction to send.</summary>
/// <param name="Uid">The pod's uid in the snapshot, sent as <c>deleteOptions.preconditions.uid</c>: a replaced pod is never evicted.</param>
/// <param name="GracePeriodSeconds">The policy's <c>gracePeriodSeconds</c>; null keeps the pod's own.</param>
/// <param name="DryRun">Send <c>deleteOptions.dryRun: ["All"]</c>: the server checks everything and changes nothing.</param>
/// <param name="Reason">Why, for the Eviction's <c>reason</c> annotation (audit logs).</param>
public sealed record EvictionRequest(string Namespace, string Name, string Uid, long? GracePeriodSeconds, bool DryRun, string? Reason);

/// <summary>
/// One node PATCH: <c>spec.unschedulable</c> as <c>kubectl cordon</c> / <c>uncordon</c> sends it, with Rebalancer's cordon
/// marker annotations (<see cref="CordonMarker"/>) in the same patch, so the node is never cordoned without its marker.
/// </summary>
/// <param name="Unschedulable">True cordons; false uncordons; null leaves the node's schedulability as it is (a marker change).</param>
/// <param name="DryRun">Send <c>?dryRun=All</c>: the server validates the patch and persists nothing.</param>
public sealed record CordonRequest(string Node, bool? Unschedulable, bool DryRun)
{
    /// <summary>Annotations to set (a value) or remove (null), in this order.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Annotations { get; init; } = [];

    /// <summary>A precondition: the PATCH is refused (409) when the node changed since this resourceVersion.</summary>
    public string? ResourceVersion { get; init; }
}

/// <summary>The server's answer to one write (an Eviction or a node PATCH), whatever its status.</summary>
/// <param name="RetryAfter">The <c>Retry-After</c> header or <c>details.retryAfterSeconds</c>, when the server gave one.</param>
public sealed record EvictionResponse(int StatusCode, ApiStatus Status, TimeSpan? RetryAfter)
{
    /// <summary>The node <see cref="IEvictionApi.ReadNodeAsync"/> read, when the server answered 200.</summary>
    public NodeState? Node { get; init; }
}

/// <summary>What the executor reads of a node right before cordoning it.</summary>
/// <param name="ResourceVersion">The node's <c>metadata.resourceVersion</c>: the cordon PATCH's precondition.</param>
/// <param name="CordonedBy">The node's <see cref="CordonMarker.CordonedBy"/> annotation, when it has one.</param>
public sealed record NodeState(bool Unschedulable, string? ResourceVersion, string? CordonedBy);

/// <summary>
/// The executor's only way to write to a cluster. Returns any HTTP answer as a value; throws only for transport
/// failures (<see cref="HttpRequestException"/>, <see cref="IOException"/>) and cancellation.
/// </summary>
public interface IEvictionApi
{
    Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken);

    /// <summary>Cordons or uncordons a node (Consolidation's <c>cordon</c> arg); same contract as <see cref="EvictAsync"/>.</summary>
    Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The node as it is now (<see cref="EvictionResponse.Node"/> on a 200; 404 when it is gone), read with a LIST narrowed
    /// to its name; same contract as <see cref="EvictAsync"/>.
    /// </summary>
    Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken);
}

/// <summary>
/// <c>POST /api/v1/namespaces/{ns}/pods/{name}/eviction</c> with a policy/v1 Eviction body (apiVersion, kind, metadata
/// name and namespace, deleteOptions with the uid precondition, grace period and dryRun), as the Go descheduler sends it;
/// and <c>PATCH /api/v1/nodes/{name}</c> with the strategic merge patch <c>kubectl cordon</c> sends.
/// </summary>
public sealed class KubernetesEvictionApi : IEvictionApi
{
    private const int MaxReasonLength = 512;

    private readonly KubernetesConnection _connection;
    private readonly TimeProvider _time;
    private readonly string _requestedBy;

    public KubernetesEvictionApi(KubernetesConnection connection, TimeProvider? timeProvider = null, string requestedBy = "rebalancer")
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _time = timeProvider ?? TimeProvider.System;
        _requestedBy = requestedBy;
    }

    public async Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string path = $"api/v1/namespaces/{Uri.EscapeDataString(request.Namespace)}/pods/{Uri.EscapeDataString(request.Name)}/eviction";
        var content = new ByteArrayContent(Body(request, _requestedBy));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        using HttpResponseMessage response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);

        // Any 2xx is success, whatever its body says (kubernetes-api.md §1.3).
        ApiStatus status = response.IsSuccessStatusCode ? ApiStatus.None : ApiStatus.Parse(text);
        return new EvictionResponse((int)response.StatusCode, status, ApiStatus.RetryAfter(response, status, _time.GetUtcNow()));
    }

    public async Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string path = $"api/v1/nodes/{Uri.EscapeDataString(request.Node)}" + (request.DryRun ? "?dryRun=All" : string.Empty);

        var content = new ByteArrayContent(PatchBody(request));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/strategic-merge-patch+json");
        using var message = new HttpRequestMessage(HttpMethod.Patch, new Uri(path, UriKind.Relative)) { Content = content };
        using HttpResponseMessage response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        ApiStatus status = response.IsSuccessStatusCode ? ApiStatus.None : ApiStatus.Parse(text);
        return new EvictionResponse((int)response.StatusCode, status, ApiStatus.RetryAfter(response, status, _time.GetUtcNow()));
    }

    public async Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);

        // A LIST narrowed to the one name rather than a GET: the run's RBAC grants list on nodes, not get
        // (deploy/base/clusterrole.yaml), and the answer carries the same object with its resourceVersion.
        string path = "api/v1/nodes?fieldSelector=" + Uri.EscapeDataString("metadata.name=" + node);
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using HttpResponseMessage response = await _connection.SendAsync(message, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            ApiStatus status = ApiStatus.Parse(text);
            return new EvictionResponse((int)response.StatusCode, status, ApiStatus.RetryAfter(response, status, _time.GetUtcNow()));
        }

        try
        {
            return ParseNodeList(text, node) is { } state
                ? new EvictionResponse((int)response.StatusCode, ApiStatus.None, null) { Node = state }
                : new EvictionResponse(404, new ApiStatus(true, "NotFound", $"nodes \"{node}\" not found", [], [], null), null);
        }
        catch (JsonException)
        {
            return new EvictionResponse((int)response.StatusCode, ApiStatus.None, null); // no Node: the executor reports an unreadable answer
        }
    }

    /// <summary>The three fields of the node named <paramref name="node"/> in a NodeList the cordon needs; null when the list does not hold it.</summary>
    internal static NodeState? ParseNodeList(string json, string node)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("items", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("not a list");
        }

        foreach (JsonElement item in items.EnumerateArray())
        {
            if (item.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String && name.GetString() == node)
            {
                bool unschedulable = item.TryGetProperty("spec", out JsonElement spec) && spec.ValueKind == JsonValueKind.Object
                    && spec.TryGetProperty("unschedulable", out JsonElement value) && value.ValueKind == JsonValueKind.True;
                string? resourceVersion = metadata.TryGetProperty("resourceVersion", out JsonElement version) && version.ValueKind == JsonValueKind.String
                    ? version.GetString()
                    : null;
                string? cordonedBy = metadata.TryGetProperty("annotations", out JsonElement annotations) && annotations.ValueKind == JsonValueKind.Object
                    && annotations.TryGetProperty(CordonMarker.CordonedBy, out JsonElement by) && by.ValueKind == JsonValueKind.String
                    ? by.GetString()
                    : null;
                return new NodeState(unschedulable, resourceVersion, cordonedBy);
            }
        }

        return null;
    }

    /// <summary>
    /// The node patch: kubectl's two-way strategic merge patch for <c>spec.unschedulable</c> (uncordoning removes the field,
    /// which is omitempty, rather than writing false; kubernetes-api.md §6.3), annotations set or removed (null) by the
    /// same merge rules, and <c>metadata.resourceVersion</c> as an optimistic-concurrency precondition when given.
    /// </summary>
    internal static byte[] PatchBody(CordonRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (request.ResourceVersion is not null || request.Annotations.Count > 0)
            {
                json.WriteStartObject("metadata");
                if (request.ResourceVersion is { } resourceVersion)
                {
                    json.WriteString("resourceVersion", resourceVersion);
                }

                if (request.Annotations.Count > 0)
                {
                    json.WriteStartObject("annotations");
                    foreach ((string key, string? value) in request.Annotations)
                    {
                        if (value is null)
                        {
                            json.WriteNull(key);
                        }
                        else
                        {
                            json.WriteString(key, value);
                        }
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            if (request.Unschedulable is bool unschedulable)
            {
                json.WriteStartObject("spec");
                if (unschedulable)
                {
                    json.WriteBoolean("unschedulable", true);
                }
                else
                {
                    json.WriteNull("unschedulable");
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The Eviction JSON.</summary>
    internal static byte[] Body(EvictionRequest request, string requestedBy)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", "policy/v1");
            json.WriteString("kind", "Eviction");
            json.WriteStartObject("metadata");
            json.WriteString("name", request.Name);
            json.WriteString("namespace", request.Namespace);
            json.WriteStartObject("annotations");
            json.WriteString("requested-by", requestedBy);
            if (request.Reason is { Length: > 0 } reason)
            {
                json.WriteString("reason", reason.Length <= MaxReasonLength ? reason : string.Concat(reason.AsSpan(0, MaxReasonLength), "…"));
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("deleteOptions");
            if (request.DryRun)
            {
                json.WriteStartArray("dryRun");
                json.WriteStringValue("All");
                json.WriteEndArray();
            }

            if (request.GracePeriodSeconds is long grace)
            {
                json.WriteNumber("gracePeriodSeconds", grace);
            }

            json.WriteStartObject("preconditions");
            json.WriteString("uid", request.Uid);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
