using System.Globalization;
using System.Net;

namespace Rebalancer.Kubernetes.Live;

/// <summary>Progress of a cluster read, reported after every page.</summary>
/// <param name="Resource">The list being read: <c>nodes</c>, <c>pods</c>, <c>nodes.metrics.k8s.io</c>…</param>
/// <param name="Pages">Pages of this list read so far.</param>
/// <param name="Objects">Objects of this list read so far.</param>
/// <param name="Bytes">Response bytes of this list read so far.</param>
/// <param name="Completed">True on the report after the list's last page.</param>
public sealed record ReadProgress(string Resource, int Pages, long Objects, long Bytes, bool Completed);

/// <summary>
/// A list could not be read. The message names the resource, the page and its continue token, e.g.
/// <c>reading pods, page 3 (continue token eyJ2Ijoi…): HTTP 500 InternalError: etcdserver: request timed out</c>.
/// </summary>
public sealed class ClusterReadException : Exception
{
    public ClusterReadException(string resource, int page, string? continueToken, int? statusCode, string detail, bool expired = false, Exception? innerException = null)
        : base(FormatMessage(resource, page, continueToken, detail), innerException)
    {
        Resource = resource;
        Page = page;
        ContinueToken = continueToken;
        StatusCode = statusCode;
        Detail = detail;
        Expired = expired;
    }

    public ClusterReadException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Resource = string.Empty;
        Detail = message;
    }

    /// <summary>The list: <c>pods</c>, <c>poddisruptionbudgets</c>, <c>nodes.metrics.k8s.io</c>…</summary>
    public string Resource { get; }

    /// <summary>1-based page number within the list.</summary>
    public int Page { get; }

    /// <summary>The continue token the failed page was requested with (null for the first page).</summary>
    public string? ContinueToken { get; }

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? StatusCode { get; }

    public string Detail { get; }

    /// <summary>HTTP 410 Gone: the continue token expired (etcd compaction); the list can be restarted from scratch.</summary>
    public bool Expired { get; }

    /// <summary>HTTP 403 on a list's first page: the credentials may not list the resource, and nothing of it was read.</summary>
    public bool IsForbiddenFirstPage => StatusCode == 403 && Page == 1;

    private static string FormatMessage(string resource, int page, string? continueToken, string detail) =>
        $"reading {resource}, page {page.ToString(CultureInfo.InvariantCulture)} ({(continueToken is null ? "first page, no continue token" : "continue token " + Abbreviate(continueToken))}): {detail}";

    private static string Abbreviate(string token) => token.Length <= 24 ? token : string.Concat(token.AsSpan(0, 24), "…");
}

/// <summary>Whether the reader lists metrics.k8s.io and what an absent metrics API means.</summary>
public enum MetricsRequirement
{
    /// <summary>Read metrics when the API exists; without it, a warning.</summary>
    Optional,

    /// <summary>The policy needs real usage: an absent or failing metrics API fails the read.</summary>
    Required,

    /// <summary>Do not read metrics.</summary>
    Skip,
}

/// <summary>How the cluster is listed.</summary>
public sealed record ClusterReaderOptions
{
    /// <summary><c>limit</c> of every list request (kubectl uses 500). Servers may return fewer, even zero, items per page.</summary>
    public int PageSize { get; init; } = 500;

    public MetricsRequirement Metrics { get; init; } = MetricsRequirement.Optional;

    /// <summary>Who needs metrics, for the error when they are missing (<c>LowNodeUtilization (metricsUtilization.source KubernetesMetrics)</c>).</summary>
    public string? MetricsRequiredBy { get; init; }

    /// <summary>
    /// The policy needs PersistentVolumeClaims (an evictor protects pods by storage class): a failing list of them fails
    /// the read. Claims are listed either way, as an inventory kind whose 403 is only a warning.
    /// </summary>
    public bool IncludePersistentVolumeClaims { get; init; }

    /// <summary>Attempts per page request on 429/5xx/connection errors before any of its bytes were used.</summary>
    public int MaxPageAttempts { get; init; } = 3;

    /// <summary>Wait before the first retry of a page request; doubles per retry; a Retry-After header wins.</summary>
    public TimeSpan PageRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A response body that sends nothing for this long is abandoned.</summary>
    public TimeSpan BodyIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>A listable resource: its collection path and what its items are.</summary>
/// <param name="Inventory">
/// An inventory kind (Deployments… ResourceQuotas): a 403 on its first page, or a 404, is a warning and the snapshot
/// goes without it, since only the findings and recommendations that need it are lost.
/// </param>
internal sealed record ApiResource(string Name, string Path, string ApiVersion, string Kind, bool Paged = true, bool MayBeAbsent = false, bool Inventory = false)
{
    public static readonly ApiResource Nodes = new("nodes", "api/v1/nodes", "v1", "Node");
    public static readonly ApiResource Namespaces = new("namespaces", "api/v1/namespaces", "v1", "Namespace", MayBeAbsent: true);
    public static readonly ApiResource PriorityClasses = new("priorityclasses", "apis/scheduling.k8s.io/v1/priorityclasses", "scheduling.k8s.io/v1", "PriorityClass", MayBeAbsent: true);
    public static readonly ApiResource PodDisruptionBudgets = new("poddisruptionbudgets", "apis/policy/v1/poddisruptionbudgets", "policy/v1", "PodDisruptionBudget");
    public static readonly ApiResource PersistentVolumeClaims = new("persistentvolumeclaims", "api/v1/persistentvolumeclaims", "v1", "PersistentVolumeClaim", MayBeAbsent: true);
    public static readonly ApiResource Pods = new("pods", "api/v1/pods", "v1", "Pod");

    // metrics-server ignores limit and continue (kubernetes-api.md §7.4); a continue token is still followed if one comes.
    public static readonly ApiResource NodeMetrics = new("nodes.metrics.k8s.io", "apis/metrics.k8s.io/v1beta1/nodes", "metrics.k8s.io/v1beta1", "NodeMetrics", Paged: false, MayBeAbsent: true);
    public static readonly ApiResource PodMetrics = new("pods.metrics.k8s.io", "apis/metrics.k8s.io/v1beta1/pods", "metrics.k8s.io/v1beta1", "PodMetrics", Paged: false, MayBeAbsent: true);

    // The inventory kinds (docs/design/0002-snapshot-layout.md, "Inventory"). Secrets are never listed.
    public static readonly ApiResource Deployments = new("deployments", "apis/apps/v1/deployments", "apps/v1", "Deployment", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource ReplicaSets = new("replicasets", "apis/apps/v1/replicasets", "apps/v1", "ReplicaSet", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource StatefulSets = new("statefulsets", "apis/apps/v1/statefulsets", "apps/v1", "StatefulSet", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource DaemonSets = new("daemonsets", "apis/apps/v1/daemonsets", "apps/v1", "DaemonSet", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource Jobs = new("jobs", "apis/batch/v1/jobs", "batch/v1", "Job", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource CronJobs = new("cronjobs", "apis/batch/v1/cronjobs", "batch/v1", "CronJob", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource HorizontalPodAutoscalers = new("horizontalpodautoscalers", "apis/autoscaling/v2/horizontalpodautoscalers", "autoscaling/v2",
        "HorizontalPodAutoscaler", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource PersistentVolumes = new("persistentvolumes", "api/v1/persistentvolumes", "v1", "PersistentVolume", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource InventoryClaims = PersistentVolumeClaims with { Inventory = true };
    public static readonly ApiResource LimitRanges = new("limitranges", "api/v1/limitranges", "v1", "LimitRange", MayBeAbsent: true, Inventory: true);
    public static readonly ApiResource ResourceQuotas = new("resourcequotas", "api/v1/resourcequotas", "v1", "ResourceQuota", MayBeAbsent: true, Inventory: true);

    /// <summary>
    /// Every list of a snapshot, small ones first and pods last: a 410 restart then repeats little. PersistentVolumeClaims
    /// are an inventory kind (a 403 is a warning) unless the policy needs them (<paramref name="requirePersistentVolumeClaims"/>:
    /// an evictor that protects pods by storage class), when a 403 fails the read as for the core lists.
    /// </summary>
    public static IReadOnlyList<ApiResource> Core(bool requirePersistentVolumeClaims) =>
    [
        Nodes, Namespaces, PriorityClasses, PodDisruptionBudgets,
        requirePersistentVolumeClaims ? PersistentVolumeClaims : InventoryClaims,
        PersistentVolumes, LimitRanges, ResourceQuotas, HorizontalPodAutoscalers, CronJobs, Jobs, DaemonSets, StatefulSets, Deployments, ReplicaSets,
        Pods,
    ];

    /// <summary>The warning for an inventory kind the snapshot goes without.</summary>
    private string NotRead(string reason) =>
        $"{Name} not read: {reason}; findings and recommendations that need {Kind} objects are skipped";

    /// <summary>The warning for an inventory list whose first page was refused (403): the read goes on without it.</summary>
    public string Forbidden => NotRead("forbidden (HTTP 403): the credentials may not list it");

    /// <summary>The warning for a list the API server does not serve (404).</summary>
    public string NotServed => Inventory
        ? NotRead("the API server does not serve it (HTTP 404)")
        : $"the API server does not serve {Name} (HTTP 404); the snapshot has none";
}

/// <summary>
/// Requests list pages: builds the URL, retries a page request that failed before its body was used (429, 5xx,
/// connection errors) and turns every other failure into a <see cref="ClusterReadException"/>; 410 is reported with
/// <see cref="ClusterReadException.Expired"/> so the caller can restart.
/// </summary>
internal sealed class PageFetcher
{
    private const int MaxErrorBody = 64 * 1024;

    private readonly KubernetesConnection _connection;
    private readonly ClusterReaderOptions _options;
    private readonly TimeProvider _time;

    public PageFetcher(KubernetesConnection connection, ClusterReaderOptions options, TimeProvider time)
    {
        _connection = connection;
        _options = options;
        _time = time;
    }

    /// <summary>The successful response of one page; null when the resource is absent (404) and <see cref="ApiResource.MayBeAbsent"/>.</summary>
    public async Task<HttpResponseMessage?> GetAsync(ApiResource resource, string? continueToken, int page, CancellationToken cancellationToken)
    {
        string uri = resource.Path;
        var query = new List<string>(2);
        if (resource.Paged)
        {
            query.Add("limit=" + _options.PageSize.ToString(CultureInfo.InvariantCulture));
        }

        if (continueToken is not null)
        {
            query.Add("continue=" + Uri.EscapeDataString(continueToken));
        }

        if (query.Count > 0)
        {
            uri += "?" + string.Join('&', query);
        }

        int attempts = Math.Max(1, _options.MaxPageAttempts);
        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri, UriKind.Relative));
                response = await _connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && KubernetesConnection.IsTransportError(e))
            {
                string detail = $"cannot reach the API server {_connection.Server}: {KubernetesConnection.TransportMessage(e)}";
                if (attempt >= attempts)
                {
                    throw new ClusterReadException(resource.Name, page, continueToken, null, detail + $" ({attempt} attempts)", innerException: e);
                }

                await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            int status = (int)response.StatusCode;
            ApiStatus error;
            TimeSpan? retryAfter;
            using (response)
            {
                error = ApiStatus.Parse(await ReadErrorBodyAsync(response, cancellationToken).ConfigureAwait(false));
                retryAfter = ApiStatus.RetryAfter(response, error, _time.GetUtcNow());
            }

            if (response.StatusCode == HttpStatusCode.NotFound && resource.MayBeAbsent && continueToken is null)
            {
                return null;
            }

            if (response.StatusCode == HttpStatusCode.Gone)
            {
                throw new ClusterReadException(resource.Name, page, continueToken, status, error.Describe(status), expired: true);
            }

            bool transient = response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500;
            if (!transient || attempt >= attempts)
            {
                string detail = error.Describe(status) + (transient ? $" ({attempt} attempts)" : string.Empty);
                if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
                {
                    detail += $"; the credentials of {_connection.Description} need 'list' on {resource.Name} (see docs/live-clusters.md, RBAC)";
                }

                throw new ClusterReadException(resource.Name, page, continueToken, status, detail);
            }

            await DelayAsync(attempt, retryAfter, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task DelayAsync(int attempt, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        TimeSpan delay = retryAfter ?? _options.PageRetryDelay * Math.Pow(2, attempt - 1);
        TimeSpan cap = TimeSpan.FromSeconds(60);
        return Task.Delay(delay > cap ? cap : delay, _time, cancellationToken);
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[MaxErrorBody];
            int length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (KubernetesConnection.IsTransportError(e) && !cancellationToken.IsCancellationRequested)
        {
            return string.Empty;
        }
    }
}

/// <summary>
/// A response body read synchronously (the snapshot parser is synchronous) that counts bytes, gives up when the server
/// sends nothing for a while, and stops when the run is cancelled: both abort the response, which ends a blocked read.
/// </summary>
internal sealed class PageBodyStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenSource _watchdog = new();
    private readonly CancellationTokenRegistration _onIdle;
    private readonly CancellationTokenRegistration _onCancel;
    private volatile bool _idle;

    public PageBodyStream(HttpResponseMessage response, Stream inner, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        _inner = inner;
        _idleTimeout = idleTimeout;
        _cancellationToken = cancellationToken;
        _onIdle = _watchdog.Token.Register(() =>
        {
            _idle = true;
            response.Dispose();
        });
        _onCancel = cancellationToken.Register(response.Dispose);
    }

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _watchdog.CancelAfter(_idleTimeout);
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or HttpRequestException)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_idle)
            {
                throw new TimeoutException($"the server sent nothing for {_idleTimeout.TotalSeconds:0} s", e);
            }

            throw;
        }

        _watchdog.CancelAfter(Timeout.InfiniteTimeSpan);
        BytesRead += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _onIdle.Dispose();
            _onCancel.Dispose();
            _watchdog.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
