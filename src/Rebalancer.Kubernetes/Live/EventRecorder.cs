using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Rebalancer.Kubernetes.Live;

/// <summary>One Kubernetes Event to record about an object.</summary>
/// <param name="Regarding">The object the event is about (the pod evicted, the node cordoned).</param>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">Why the action was taken, machine-readable: the plugin (as the descheduler records its strategy).</param>
/// <param name="Action">What was done: <c>Descheduled</c> (the descheduler's action for an eviction), <c>Cordon</c>, <c>Uncordon</c>.</param>
/// <param name="Note">For people, at most 1024 characters (longer notes are shortened).</param>
public sealed record RecordedEvent(V1ObjectReference Regarding, string Type, string Reason, string Action, string Note);

public sealed record EventRecorderOptions
{
    /// <summary><c>reportingController</c>, as the descheduler reports <c>sigs.k8s.io/descheduler</c>.</summary>
    public string ReportingController { get; init; } = "rebalancer.io/rebalancer";

    /// <summary>Events waiting to be sent; beyond it new events are dropped (and counted), never waited for.</summary>
    public int Capacity { get; init; } = 1000;

    /// <summary>One create's timeout; a slow API server delays events, never evictions.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At the end of the run, how long the events still queued may take to be sent; the rest are dropped.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Counts at the end of a run.</summary>
/// <param name="FirstFailure">The first create that failed, for the log (later ones are only counted).</param>
public sealed record EventRecorderSummary(int Recorded, int Failed, int Dropped, string? FirstFailure);

/// <summary>
/// Records events.k8s.io/v1 Events, best effort: <see cref="Record"/> never blocks and never throws, events are sent by
/// one background sender (no retries, a bounded timeout each), and a failure is counted — its first occurrence reported
/// once through the callback — but changes nothing else. So an eviction is never delayed or failed by its event, and
/// an API server refusing events (no RBAC for them, say) costs one warning. Events are shaped as client-go's
/// <c>events.EventRecorder</c> makes them: name <c>{object}.{unix nanoseconds in hex}</c>, in the object's namespace
/// (<c>default</c> for cluster-scoped objects such as nodes), <c>eventTime</c> now, <c>reportingInstance</c> the run.
/// </summary>
public sealed class KubernetesEventRecorder : IAsyncDisposable
{
    private const int MaxNoteLength = 1024;

    private readonly IKubernetes _client;
    private readonly string _reportingInstance;
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<string>? _firstFailure;
    private readonly Channel<RecordedEvent> _queue;
    private readonly CancellationTokenSource _abandon = new();
    private readonly Task _sending;
    private long _lastNanos;
    private int _recorded;
    private int _failed;
    private int _dropped;
    private string? _firstFailureMessage;

    /// <param name="reportingInstance">The run (its identity), at most 128 characters.</param>
    /// <param name="firstFailure">Called once, with the message of the first event that could not be recorded.</param>
    public KubernetesEventRecorder(IKubernetes client, string reportingInstance, EventRecorderOptions? options = null, TimeProvider? time = null, Action<string>? firstFailure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(reportingInstance);
        _client = client;
        _reportingInstance = reportingInstance.Length <= 128 ? reportingInstance : reportingInstance[..128];
        _options = options ?? new EventRecorderOptions();
        _time = time ?? TimeProvider.System;
        _firstFailure = firstFailure;
        _queue = Channel.CreateBounded<RecordedEvent>(new BoundedChannelOptions(_options.Capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _dropped));
        _sending = Task.Run(SendAsync);
    }

    /// <summary>Queues an event; never blocks (a full queue drops it, counted) and never throws.</summary>
    public void Record(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (!_queue.Writer.TryWrite(recorded))
        {
            Interlocked.Increment(ref _dropped); // completed: the run is over
        }
    }

    /// <summary>Sends what is queued, for at most <see cref="EventRecorderOptions.FlushTimeout"/>, then drops the rest.</summary>
    public async Task<EventRecorderSummary> CompleteAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _sending.WaitAsync(_options.FlushTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abandon.CancelAsync().ConfigureAwait(false);
            await _sending.ConfigureAwait(false);
        }

        while (_queue.Reader.TryRead(out _))
        {
            Interlocked.Increment(ref _dropped);
        }

        return new EventRecorderSummary(Volatile.Read(ref _recorded), Volatile.Read(ref _failed), Volatile.Read(ref _dropped), Volatile.Read(ref _firstFailureMessage));
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        _abandon.Dispose();
    }

    private async Task SendAsync()
    {
        try
        {
            await foreach (RecordedEvent recorded in _queue.Reader.ReadAllAsync(_abandon.Token).ConfigureAwait(false))
            {
                await SendOneAsync(recorded).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            // Abandoned at the end of the flush window: what is left is counted as dropped.
        }
    }

    private async Task SendOneAsync(RecordedEvent recorded)
    {
        DateTimeOffset now = _time.GetUtcNow();
        string ns = string.IsNullOrEmpty(recorded.Regarding.NamespaceProperty) ? "default" : recorded.Regarding.NamespaceProperty;
        var body = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = NameFor(recorded.Regarding.Name, now), NamespaceProperty = ns },
            EventTime = now.UtcDateTime,
            ReportingController = _options.ReportingController,
            ReportingInstance = _reportingInstance,
            Action = recorded.Action,
            Reason = recorded.Reason.Length <= 128 ? recorded.Reason : recorded.Reason[..128],
            Regarding = recorded.Regarding,
            Note = recorded.Note.Length <= MaxNoteLength ? recorded.Note : string.Concat(recorded.Note.AsSpan(0, MaxNoteLength - 1), "…"),
            Type = recorded.Type,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            await _client.EventsV1.CreateNamespacedEventAsync(body, ns, cancellationToken: timeout.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _recorded);
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            Interlocked.Increment(ref _dropped);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failed);
            string message = $"event {ns}/{body.Metadata.Name} ({recorded.Action} {recorded.Regarding.Kind} {recorded.Regarding.Name}) could not be recorded: " + e switch
            {
                HttpOperationException http => ApiStatus.Parse(http.Response.Content).Describe((int)http.Response.StatusCode),
                OperationCanceledException => string.Create(CultureInfo.InvariantCulture, $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s"),
                HttpRequestException transport => KubernetesConnection.TransportMessage(transport),
                _ => e.Message,
            };
            if (Interlocked.CompareExchange(ref _firstFailureMessage, message, null) is null)
            {
                _firstFailure?.Invoke(message);
            }
        }
    }

    /// <summary><c>{object}.{nanoseconds}</c> as client-go names events, strictly increasing within the run so two events in one tick differ.</summary>
    private string NameFor(string objectName, DateTimeOffset now)
    {
        long nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        long previous;
        long next;
        do
        {
            previous = Interlocked.Read(ref _lastNanos);
            next = Math.Max(nanos, previous + 1);
        }
        while (Interlocked.CompareExchange(ref _lastNanos, next, previous) != previous);

        string suffix = "." + next.ToString("x", CultureInfo.InvariantCulture);
        return (objectName.Length + suffix.Length <= 253 ? objectName : objectName[..(253 - suffix.Length)]) + suffix;
    }
}

/// <summary>
/// Turns a run's results into Events, as the descheduler records its evictions: one <c>Normal</c> event per pod evicted
/// (reason: the plugin; action <c>Descheduled</c>; note <c>pod evicted from NODE node by rebalancer …</c>), and one per
/// node cordoned or uncordoned. Dry runs record nothing, as the descheduler's do not. Node events carry the node's name
/// as uid, as the kubelet's do, which <c>kubectl describe node</c> looks for.
/// </summary>
public sealed class EventingObserver(KubernetesEventRecorder recorder) : IExecutionObserver
{
    public void EvictionSettled(EvictionRecord eviction)
    {
        ArgumentNullException.ThrowIfNull(eviction);
        if (eviction.Outcome.Outcome != EvictionOutcomeKind.Evicted)
        {
            return;
        }

        recorder.Record(new RecordedEvent(
            new V1ObjectReference { ApiVersion = "v1", Kind = "Pod", Name = eviction.Pod, NamespaceProperty = eviction.Namespace, Uid = eviction.Uid },
            "Normal",
            eviction.Plugin,
            "Descheduled",
            $"pod evicted from {eviction.Node ?? "its"} node by rebalancer ({eviction.Profile}/{eviction.Plugin}: {eviction.Reason})"));
    }

    public void NodeChanged(NodeChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!change.Succeeded || change.DryRun)
        {
            return;
        }

        (string type, string action, string note)? what = change.Kind switch
        {
            NodeChangeKind.Cordon => ("Normal", "Cordon", $"node cordoned by rebalancer {change.Detail}"),
            NodeChangeKind.Uncordon => ("Normal", "Uncordon", $"node uncordoned by rebalancer: {change.Detail}"),
            NodeChangeKind.UncordonInterrupted => ("Warning", "Uncordon", $"node uncordoned by rebalancer: {change.Detail}"),
            _ => null,
        };
        if (what is not { } e)
        {
            return;
        }

        recorder.Record(new RecordedEvent(
            new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = change.Node, Uid = change.Node }, e.type, change.Reason, e.action, e.note));
    }
}
