using System.Diagnostics;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Kubernetes.Live;

/// <summary>What a live read produced.</summary>
/// <param name="MetricsAvailable">metrics.k8s.io answered; node and pod usage are in the snapshot.</param>
/// <param name="Restarts">Lists restarted from scratch after an expired continue token (each restart re-reads the cluster).</param>
public sealed record ClusterReadResult(ClusterSnapshot Snapshot, IReadOnlyList<string> Warnings, bool MetricsAvailable, int Pages, long Objects, long Bytes, int Restarts);

/// <summary>
/// Reads a live cluster into a <see cref="ClusterSnapshot"/>: paged LISTs (<c>limit</c>, <c>continue</c>) of nodes,
/// namespaces, PriorityClasses, PodDisruptionBudgets (policy/v1), the inventory kinds (PersistentVolumeClaims and
/// PersistentVolumes, LimitRanges, ResourceQuotas, HPAs, CronJobs, Jobs, DaemonSets, StatefulSets, Deployments,
/// ReplicaSets; one the credentials may not list is a warning, not a failure), pods, then metrics.k8s.io node and pod
/// metrics. Each page's response body is streamed through the snapshot file parser into
/// one <see cref="SnapshotBuilder"/> (an API list page is kubectl-shaped JSON), so no <c>V1Pod</c> is ever materialised
/// and memory holds one parser buffer, not one page.
/// <para>
/// Only the <c>continue</c> token decides whether more pages follow: short and empty pages are normal. A 410 Gone
/// (expired token) restarts the read from scratch with a fresh builder — a builder cannot take objects back, and
/// reading everything again keeps the snapshot free of duplicates; a list that expires a second time fails the read.
/// </para>
/// </summary>
public sealed class ClusterReader
{
    private readonly ClusterReaderOptions _options;
    private readonly IProgress<ReadProgress>? _progress;
    private readonly PageFetcher _fetcher;

    public ClusterReader(KubernetesConnection connection, ClusterReaderOptions? options = null, IProgress<ReadProgress>? progress = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _options = options ?? new ClusterReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PageSize, 1);
        _progress = progress;
        _fetcher = new PageFetcher(connection, _options, timeProvider ?? TimeProvider.System);
    }

    /// <exception cref="ClusterReadException">A list failed (the message names the resource and the page).</exception>
    /// <exception cref="OperationCanceledException">The read was cancelled.</exception>
    public async Task<ClusterReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        // One span for the read, one child per list (docs/telemetry.md); a restarted read adds a second set of children.
        using Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotRead);
        try
        {
            ClusterReadResult result = await ReadWithRestartsAsync(cancellationToken).ConfigureAwait(false);
            span?.SetTag(SpanAttributes.Pages, result.Pages);
            span?.SetTag(SpanAttributes.Objects, result.Objects);
            span?.SetTag(SpanAttributes.Bytes, result.Bytes);
            span?.SetTag(SpanAttributes.Restarts, result.Restarts);
            span?.SetTag(SpanAttributes.MetricsAvailable, result.MetricsAvailable);
            return result;
        }
        catch (Exception e)
        {
            span.RecordError(e);
            throw;
        }
    }

    private async Task<ClusterReadResult> ReadWithRestartsAsync(CancellationToken cancellationToken)
    {
        var restarted = new HashSet<string>(StringComparer.Ordinal);
        var restartNotes = new List<string>();
        while (true)
        {
            var attempt = new ReadAttempt();
            try
            {
                await ReadOnceAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterReadException e) when (e.Expired)
            {
                if (!restarted.Add(e.Resource))
                {
                    throw new ClusterReadException(e.Resource, e.Page, e.ContinueToken, e.StatusCode,
                        e.Detail + " — the continue token expired again after the read was restarted from scratch", expired: true, e);
                }

                restartNotes.Add($"{e.Resource}: the continue token of page {e.Page} expired (HTTP 410); the cluster was read again from scratch");
                continue;
            }

            ClusterSnapshot snapshot = attempt.Builder.Build();
            return new ClusterReadResult(snapshot, [.. restartNotes, .. attempt.Warnings], attempt.MetricsAvailable, attempt.Pages, attempt.Stats.Objects, attempt.Bytes, restartNotes.Count);
        }
    }

    private async Task ReadOnceAsync(ReadAttempt attempt, CancellationToken cancellationToken)
    {
        foreach (ApiResource resource in ApiResource.Core(_options.IncludePersistentVolumeClaims))
        {
            bool present;
            try
            {
                present = await ReadListAsync(resource, attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterReadException e) when (resource.Inventory && e.IsForbiddenFirstPage)
            {
                attempt.Warnings.Add(resource.Forbidden);
                continue;
            }

            if (!present)
            {
                attempt.Warnings.Add(resource.NotServed);
            }
        }

        if (_options.Metrics == MetricsRequirement.Skip)
        {
            return;
        }

        try
        {
            bool nodes = await ReadListAsync(ApiResource.NodeMetrics, attempt, cancellationToken).ConfigureAwait(false);
            bool pods = nodes && await ReadListAsync(ApiResource.PodMetrics, attempt, cancellationToken).ConfigureAwait(false);
            if (nodes && pods)
            {
                attempt.MetricsAvailable = true;
                return;
            }

            MetricsMissing(attempt, "the metrics API (metrics.k8s.io/v1beta1) is not available (HTTP 404: is metrics-server installed?)", null);
        }
        catch (ClusterReadException e) when (!e.Expired)
        {
            MetricsMissing(attempt, $"the metrics API (metrics.k8s.io/v1beta1) failed: {e.Message}", e);
        }
    }

    private void MetricsMissing(ReadAttempt attempt, string problem, Exception? cause)
    {
        if (_options.Metrics == MetricsRequirement.Required)
        {
            throw new ClusterReadException($"{problem}; the policy needs real usage: {_options.MetricsRequiredBy ?? "a plugin uses KubernetesMetrics"}", cause);
        }

        attempt.Warnings.Add($"{problem}; plugins that use real usage (metricsUtilization KubernetesMetrics) have no data");
    }

    /// <summary>Reads every page of one list into the builder; false when the resource is absent (404).</summary>
    private async Task<bool> ReadListAsync(ApiResource resource, ReadAttempt attempt, CancellationToken cancellationToken)
    {
        using Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotList);
        span?.SetTag(SpanAttributes.Resource, resource.Name);
        try
        {
            bool present = await ReadPagesAsync(resource, attempt, span, cancellationToken).ConfigureAwait(false);
            span?.SetTag(SpanAttributes.Present, present);
            return present;
        }
        catch (Exception e)
        {
            span.RecordError(e);
            throw;
        }
    }

    private async Task<bool> ReadPagesAsync(ApiResource resource, ReadAttempt attempt, Activity? span, CancellationToken cancellationToken)
    {
        string? continueToken = null;
        int page = 0;
        long objects = 0;
        long bytes = 0;
        do
        {
            page++;
            cancellationToken.ThrowIfCancellationRequested();
            HttpResponseMessage? response = await _fetcher.GetAsync(resource, continueToken, page, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return false;
            }

            string? next;
            int before = attempt.Stats.Objects;
            using (response)
            {
                Stream content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var body = new PageBodyStream(response, content, _options.BodyIdleTimeout, cancellationToken);
                try
                {
                    using var parser = new SnapshotParser(body, $"GET /{resource.Path} page {page}", attempt.Builder, attempt.Stats, attempt.Warnings);
                    parser.Run();
                    next = parser.ListContinue;
                }
                catch (SnapshotFormatException e)
                {
                    throw new ClusterReadException(resource.Name, page, continueToken, (int)response.StatusCode, "the response is not a valid list: " + e.Message, innerException: e);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is TimeoutException || KubernetesConnection.IsTransportError(e)))
                {
                    throw new ClusterReadException(resource.Name, page, continueToken, (int)response.StatusCode,
                        "the connection failed while the page was read: " + KubernetesConnection.TransportMessage(e), innerException: e);
                }
                catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                finally
                {
                    bytes += body.BytesRead;
                    attempt.Bytes += body.BytesRead;
                }
            }

            if (next is not null && next == continueToken)
            {
                throw new ClusterReadException(resource.Name, page, continueToken, null, "the server returned the same continue token again; stopping to avoid an endless list");
            }

            continueToken = next;
            attempt.Pages++;
            objects += attempt.Stats.Objects - before;
            _progress?.Report(new ReadProgress(resource.Name, page, objects, bytes, continueToken is null));
            span?.SetTag(SpanAttributes.Pages, page);
            span?.SetTag(SpanAttributes.Objects, objects);
            span?.SetTag(SpanAttributes.Bytes, bytes);
        }
        while (continueToken is not null);

        return true;
    }

    private sealed class ReadAttempt
    {
        public SnapshotBuilder Builder { get; } = new();

        public SnapshotLoadStatistics Stats { get; } = new();

        public List<string> Warnings { get; } = [];

        public bool MetricsAvailable { get; set; }

        public int Pages { get; set; }

        public long Bytes { get; set; }
    }
}
