using System.Globalization;

namespace Rebalancer.Kubernetes.Live;

/// <summary>
/// Hears of each write of a run as soon as its result is known — every planned eviction's outcome (sent or not) and
/// every node PATCH — so a CronJob's log shows progress and a killed run's log shows what it did. The executor calls
/// it from several threads at once; implementations must be thread-safe and must not block.
/// </summary>
public interface IExecutionObserver
{
    void EvictionSettled(EvictionRecord eviction);

    void NodeChanged(NodeChange change);
}

/// <summary>One planned eviction and its outcome, with the names resolved.</summary>
/// <param name="Node">The node the pod is evicted from; null when the snapshot did not place it.</param>
/// <param name="ServerDryRun">Sent with <c>dryRun: ["All"]</c>: nothing changed.</param>
public sealed record EvictionRecord(
    string Namespace, string Pod, string Uid, string? Node, string Profile, string Plugin, string Reason, ExecutionOutcome Outcome, bool ServerDryRun);

/// <summary>What a node PATCH of the run was for.</summary>
public enum NodeChangeKind
{
    /// <summary>Cordoned before its drain (with this run's marker).</summary>
    Cordon,

    /// <summary>Uncordoned (marker removed) because its drain did not complete.</summary>
    Uncordon,

    /// <summary>The marker records how the drain ended; the node stays cordoned.</summary>
    MarkDrain,

    /// <summary>Uncordoned (marker removed): an interrupted run cordoned it and never finished its drain.</summary>
    UncordonInterrupted,

    /// <summary>An interrupted run's cordon left in place (<c>uncordonOnIncompleteDrain: false</c>), marked incomplete.</summary>
    MarkInterrupted,
}

/// <summary>One node PATCH of the run and its result.</summary>
/// <param name="Reason">Why, machine-readable: the plugin that drains the node, or <c>InterruptedDrain</c>.</param>
/// <param name="Detail">Why, for people: <c>before draining it (3 planned evictions)</c>.</param>
/// <param name="DryRun">Sent with <c>?dryRun=All</c>: nothing changed.</param>
public sealed record NodeChange(
    string Node, NodeChangeKind Kind, string Reason, string Detail, bool Succeeded, int Attempts, int? HttpStatus, string? Message, bool DryRun)
{
    /// <summary><c>1 PATCH attempt, HTTP 200</c>, or the failure: <c>3 PATCH attempts, HTTP 503: …</c>.</summary>
    public string Describe() => ExecutionOutcome.DescribeAttempts(Attempts, "PATCH attempt", HttpStatus, Succeeded ? null : Message ?? "failed");
}

/// <summary>Forwards to several observers (the log and the event recorder).</summary>
public sealed class ExecutionObservers(params IReadOnlyList<IExecutionObserver> observers) : IExecutionObserver
{
    public void EvictionSettled(EvictionRecord eviction)
    {
        foreach (IExecutionObserver observer in observers)
        {
            observer.EvictionSettled(eviction);
        }
    }

    public void NodeChanged(NodeChange change)
    {
        foreach (IExecutionObserver observer in observers)
        {
            observer.NodeChanged(change);
        }
    }
}

/// <content>How an outcome reads in a log line.</content>
public sealed partial record ExecutionOutcome
{
    /// <summary>
    /// The outcome's details in one phrase: <c>HTTP 201, 1 attempt</c>; <c>1 attempt: blocked by its PodDisruptionBudget:
    /// HTTP 429 TooManyRequests: …</c>; for one that was not sent, why (<c>not sent: maxNoOfPodsToEvictTotal 10 reached</c>).
    /// </summary>
    public string Describe() => Attempts == 0 ? Message ?? "not sent" : DescribeAttempts(Attempts, "attempt", HttpStatus, Message);

    internal static string DescribeAttempts(int attempts, string noun, int? status, string? message)
    {
        string count = string.Create(CultureInfo.InvariantCulture, $"{attempts} {noun}{(attempts == 1 ? string.Empty : "s")}");
        string answer = status is int code ? string.Create(CultureInfo.InvariantCulture, $"HTTP {code}") : "no answer";
        if (string.IsNullOrEmpty(message))
        {
            return $"{answer}, {count}";
        }

        // Messages built from a Status already name it ("HTTP 429 TooManyRequests: …"): not twice.
        return status is not null && message.Contains(answer, StringComparison.Ordinal) ? $"{count}: {message}" : $"{answer}, {count}: {message}";
    }
}
