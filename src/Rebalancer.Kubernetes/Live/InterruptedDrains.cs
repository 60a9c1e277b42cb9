using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Rebalancer.Kubernetes.Live;

/// <summary>A node an earlier run cordoned whose drain that run never finished, and what this run did about it.</summary>
/// <param name="CordonedBy">The marker's run identity (<see cref="CordonMarker.CordonedBy"/>).</param>
/// <param name="CordonedAt">The marker's time, as written.</param>
/// <param name="Action"><see cref="NodeChangeKind.UncordonInterrupted"/> or <see cref="NodeChangeKind.MarkInterrupted"/>.</param>
public sealed record InterruptedDrain(string Node, string CordonedBy, string? CordonedAt, NodeChangeKind Action, bool Succeeded, int? HttpStatus, string? Message)
{
    public string Describe()
    {
        string what = $"node {Node} was cordoned by run {CordonedBy}" + (CordonedAt is null ? string.Empty : " at " + CordonedAt) +
            ", which never finished its drain (it was killed or lost its lease)";
        return (Action, Succeeded, HttpStatus) switch
        {
            (NodeChangeKind.UncordonInterrupted, true, _) => what + "; uncordoned, as that run would have done (uncordonOnIncompleteDrain)",
            (_, true, _) => what + "; left cordoned and marked incomplete (uncordonOnIncompleteDrain: false)",
            (_, false, 409) => what + "; the node changed since it was listed, so it was left as it is (the next run looks again)",
            (NodeChangeKind.UncordonInterrupted, false, _) => what + "; uncordoning it failed, it is still cordoned: " + Message,
            _ => what + "; marking it incomplete failed: " + Message,
        };
    }
}

/// <summary>What the sweep found and did; <see cref="Problem"/> when it could not look (the nodes are then left as they are).</summary>
public sealed record InterruptedDrainSweepResult(IReadOnlyList<InterruptedDrain> Drains, string? Problem);

/// <summary>
/// Finishes what a run killed mid-drain (OOM kill, deadline, SIGKILL) left: nodes whose <see cref="CordonMarker"/> still
/// says <see cref="CordonMarker.InProgress"/> under another run's identity. A run holds the lease while it acts, so such a
/// run is gone; its cordons get the end-of-run step it never reached, with the current policy's
/// <c>uncordonOnIncompleteDrain</c>: uncordoned and unmarked (the default), or left cordoned and marked
/// <see cref="CordonMarker.Incomplete"/>. The new run then plans from the cluster as it is: a node that is still the best
/// drain is cordoned again and its drain finished under this run's budgets and limits. Each PATCH carries the
/// resourceVersion the node was listed with, so a node someone changed meanwhile (re-cordoned it, edited the marker) is
/// left alone (409). Nodes cordoned without the marker — by a person, an autoscaler, kubectl drain — are never touched.
/// Runs only in a real run that holds the lease, before the cluster is read.
/// </summary>
public sealed class InterruptedDrainSweep
{
    private readonly KubernetesConnection _connection;
    private readonly NodePatcher _nodes;
    private readonly string _runId;
    private readonly IExecutionObserver? _observer;

    public InterruptedDrainSweep(KubernetesConnection connection, IEvictionApi api, string runId, EvictionExecutorOptions? options = null,
        IExecutionObserver? observer = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(api);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        options ??= new EvictionExecutorOptions();
        _connection = connection;
        _nodes = new NodePatcher(api, EvictionExecutor.RetryPipeline(options, time ?? TimeProvider.System), options.RequestTimeout);
        _runId = runId;
        _observer = observer;
    }

    public async Task<InterruptedDrainSweepResult> RunAsync(bool uncordon, CancellationToken cancellationToken)
    {
        List<V1Node> marked;
        try
        {
            marked = await ListMarkedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is HttpOperationException || KubernetesConnection.IsTransportError(e)))
        {
            string why = e is HttpOperationException http
                ? ApiStatus.Parse(http.Response.Content).Describe((int)http.Response.StatusCode)
                : KubernetesConnection.TransportMessage(e);
            return new InterruptedDrainSweepResult([], $"could not look for nodes left cordoned by an interrupted run (listing unschedulable nodes: {why}); they are left as they are");
        }

        var drains = new List<InterruptedDrain>(marked.Count);
        foreach (V1Node node in marked)
        {
            IDictionary<string, string> annotations = node.Metadata.Annotations;
            NodeChangeKind action = uncordon ? NodeChangeKind.UncordonInterrupted : NodeChangeKind.MarkInterrupted;
            var request = new CordonRequest(node.Metadata.Name, uncordon ? false : null, DryRun: false)
            {
                Annotations = uncordon ? CordonMarker.Removed : CordonMarker.Finished(CordonMarker.Incomplete),
                ResourceVersion = node.Metadata.ResourceVersion,
            };
            PatchResult result = await _nodes.PatchAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Attempts == 0)
            {
                break; // cancelled
            }

            var drain = new InterruptedDrain(node.Metadata.Name, annotations[CordonMarker.CordonedBy], annotations.TryGetValue(CordonMarker.CordonedAt, out string? at) ? at : null,
                action, result.Succeeded, result.Status, result.Message);
            drains.Add(drain);
            string detail = $"cordoned by run {drain.CordonedBy}" + (drain.CordonedAt is null ? string.Empty : " at " + drain.CordonedAt) + ", which never finished its drain";
            _observer?.NodeChanged(new NodeChange(drain.Node, action, "InterruptedDrain", detail, result.Succeeded, result.Attempts, result.Status, result.Message, DryRun: false));
        }

        return new InterruptedDrainSweepResult(drains, null);
    }

    /// <summary>Unschedulable nodes (a field selector: few, even in a large cluster) carrying another run's in-progress marker.</summary>
    private async Task<List<V1Node>> ListMarkedAsync(CancellationToken cancellationToken)
    {
        var marked = new List<V1Node>();
        string? continueToken = null;
        do
        {
            V1NodeList page = await _connection.Client.CoreV1.ListNodeAsync(
                continueParameter: continueToken, fieldSelector: "spec.unschedulable=true", limit: 500, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (V1Node node in page.Items)
            {
                if (node.Metadata.Annotations is { } annotations
                    && annotations.TryGetValue(CordonMarker.Drain, out string? state) && state == CordonMarker.InProgress
                    && annotations.TryGetValue(CordonMarker.CordonedBy, out string? by) && !string.IsNullOrEmpty(by) && by != _runId)
                {
                    marked.Add(node);
                }
            }

            continueToken = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        return marked;
    }
}
