using Microsoft.Extensions.Logging;

namespace Rebalancer.Cli;

/// <summary>
/// Every log event of the CLI, source-generated, with stable event ids (log pipelines alert on them: never renumber).
/// 1–9 inputs, 10–19 reading, 20–29 planning, 30–39 executing, 40–49 snapshots, 50–59 reports, 60–69 coordination
/// with other runs and the cluster (lease, interrupted drains, events), 90–99 telemetry.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "{Source}: {Warning}", EventName = "PolicyWarning")]
    public static partial void PolicyWarning(ILogger logger, string source, string warning);

    [LoggerMessage(2, LogLevel.Warning, "{Source}: {Warning}", EventName = "SnapshotWarning")]
    public static partial void SnapshotWarning(ILogger logger, string source, string warning);

    [LoggerMessage(3, LogLevel.Warning, "{Warning}", EventName = "ClockWarning")]
    public static partial void ClockWarning(ILogger logger, string warning);

    [LoggerMessage(10, LogLevel.Information, "Loaded {Source}: {Nodes} nodes, {Pods} pods, {Bytes} bytes in {ElapsedMs} ms", EventName = "SnapshotLoaded")]
    public static partial void SnapshotLoaded(ILogger logger, string source, int nodes, int pods, long bytes, long elapsedMs);

    [LoggerMessage(11, LogLevel.Information, "Read {Cluster}: {Nodes} nodes, {Pods} pods, {Pages} pages, {Bytes} bytes in {ElapsedMs} ms", EventName = "ClusterRead")]
    public static partial void ClusterRead(ILogger logger, string cluster, int nodes, int pods, int pages, long bytes, long elapsedMs);

    [LoggerMessage(12, LogLevel.Warning, "{Cluster}: {Warning}", EventName = "ClusterWarning")]
    public static partial void ClusterWarning(ILogger logger, string cluster, string warning);

    [LoggerMessage(13, LogLevel.Error, "{Cluster}: {Problem}", EventName = "ClusterUnreadable")]
    public static partial void ClusterUnreadable(ILogger logger, string cluster, string problem);

    [LoggerMessage(14, LogLevel.Error, "{Problem}", EventName = "ClusterUnreachable")]
    public static partial void ClusterUnreachable(ILogger logger, string problem);

    [LoggerMessage(15, LogLevel.Error, "cancelled while reading the cluster; nothing was evicted", EventName = "ReadCancelled")]
    public static partial void ReadCancelled(ILogger logger);

    [LoggerMessage(16, LogLevel.Warning, "{Warning}", EventName = "ConnectionInsecure")]
    public static partial void ConnectionInsecure(ILogger logger, string warning);

    [LoggerMessage(17, LogLevel.Information, "Read {Prometheus}: usage history of {Containers} containers (window {Window}), {NodeQueries} node queries, {Requests} requests in {ElapsedMs} ms", EventName = "PrometheusRead")]
    public static partial void PrometheusRead(ILogger logger, string prometheus, int containers, string window, int nodeQueries, int requests, long elapsedMs);

    [LoggerMessage(18, LogLevel.Warning, "{Prometheus}: {Warning}", EventName = "PrometheusWarning")]
    public static partial void PrometheusWarning(ILogger logger, string prometheus, string warning);

    [LoggerMessage(20, LogLevel.Information, "Planned {Evictions} evictions over {Nodes} nodes and {Pods} pods in {ElapsedMs} ms", EventName = "PlanCreated")]
    public static partial void PlanCreated(ILogger logger, int evictions, int nodes, int pods, long elapsedMs);

    // Written as each eviction settles, so a CronJob's log shows progress and a killed run's log shows what it did.
    [LoggerMessage(30, LogLevel.Information, "{Outcome}: {Namespace}/{Pod} on {Node} ({Plugin}): {Result}", EventName = "EvictionOutcome")]
    public static partial void EvictionOutcome(ILogger logger, string outcome, string @namespace, string pod, string node, string plugin, string result);

    [LoggerMessage(31, LogLevel.Information, "{Summary}", EventName = "RunSummary")]
    public static partial void RunSummary(ILogger logger, string summary);

    [LoggerMessage(32, LogLevel.Error, "the run aborted: {Reason}", EventName = "RunAborted")]
    public static partial void RunAborted(ILogger logger, string reason);

    [LoggerMessage(33, LogLevel.Error, "the run was cancelled; evictions not started are reported as NotAttempted", EventName = "RunCancelled")]
    public static partial void RunCancelled(ILogger logger);

    [LoggerMessage(34, LogLevel.Information, "{Outcome}: node {Node}: {Result}", EventName = "CordonOutcome")]
    public static partial void CordonOutcome(ILogger logger, string outcome, string node, string result);

    // A node left cordoned after an incomplete drain, or one that could not be cordoned, needs someone's attention.
    [LoggerMessage(35, LogLevel.Warning, "{Outcome}: node {Node}: {Result}", EventName = "CordonProblem")]
    public static partial void CordonProblem(ILogger logger, string outcome, string node, string result);

    // Written as each node PATCH completes (cordon, uncordon, marker), like the evictions.
    [LoggerMessage(36, LogLevel.Information, "{Change} node {Node} ({Reason}, {Detail}): {Result}", EventName = "NodeChanged")]
    public static partial void NodeChanged(ILogger logger, string change, string node, string reason, string detail, string result);

    [LoggerMessage(37, LogLevel.Warning, "{Change} node {Node} failed ({Reason}, {Detail}): {Result}", EventName = "NodeChangeFailed")]
    public static partial void NodeChangeFailed(ILogger logger, string change, string node, string reason, string detail, string result);

    [LoggerMessage(40, LogLevel.Information, "{Format} snapshot of {Cluster} written to {Destination}: {Counts}; {Bytes} bytes", EventName = "SnapshotWritten")]
    public static partial void SnapshotWritten(ILogger logger, string format, string cluster, string destination, string counts, long bytes);

    [LoggerMessage(41, LogLevel.Error, "{Problem}", EventName = "SnapshotFailed")]
    public static partial void SnapshotFailed(ILogger logger, string problem);

    [LoggerMessage(42, LogLevel.Information, "{Source} converted to a {Format} snapshot, written to {Destination}: {Counts}; {Bytes} bytes", EventName = "SnapshotConverted")]
    public static partial void SnapshotConverted(ILogger logger, string source, string format, string destination, string counts, long bytes);

    [LoggerMessage(50, LogLevel.Error, "the report could not be written to {Destination}: {Reason}; it is written to {Fallback} instead", EventName = "ReportNotWritten")]
    public static partial void ReportNotWritten(ILogger logger, string destination, string reason, string fallback);

    [LoggerMessage(51, LogLevel.Error, "the report could not be written anywhere (last: {Destination}: {Reason})", EventName = "ReportLost")]
    public static partial void ReportLost(ILogger logger, string destination, string reason);

    [LoggerMessage(60, LogLevel.Information, "holding the lease {Lease} as {Identity}{TakenOver}", EventName = "LeaseAcquired")]
    public static partial void LeaseAcquired(ILogger logger, string lease, string identity, string takenOver);

    [LoggerMessage(61, LogLevel.Error, "{Description}: this run reads and plans but evicts nothing", EventName = "LeaseHeld")]
    public static partial void LeaseHeld(ILogger logger, string description);

    [LoggerMessage(62, LogLevel.Error, "{Problem}; nothing was read or evicted", EventName = "LeaseUnavailable")]
    public static partial void LeaseUnavailable(ILogger logger, string problem);

    [LoggerMessage(63, LogLevel.Error, "the run lost its lease: {Reason}; no eviction starts after this", EventName = "LeaseLost")]
    public static partial void LeaseLost(ILogger logger, string reason);

    [LoggerMessage(64, LogLevel.Warning, "{Problem}", EventName = "LeaseNotReleased")]
    public static partial void LeaseNotReleased(ILogger logger, string problem);

    [LoggerMessage(65, LogLevel.Warning, "{Description}", EventName = "InterruptedDrain")]
    public static partial void InterruptedDrain(ILogger logger, string description);

    [LoggerMessage(66, LogLevel.Warning, "{Problem}", EventName = "InterruptedDrainSweepFailed")]
    public static partial void InterruptedDrainSweepFailed(ILogger logger, string problem);

    // Logged once, at the first failure; later ones are only counted (EventsSummary).
    [LoggerMessage(67, LogLevel.Warning, "{Problem}; events are best effort: evictions go on, later failures are only counted", EventName = "EventNotRecorded")]
    public static partial void EventNotRecorded(ILogger logger, string problem);

    [LoggerMessage(68, LogLevel.Information, "Kubernetes Events: {Recorded} recorded, {Failed} failed, {Dropped} dropped", EventName = "EventsSummary")]
    public static partial void EventsSummary(ILogger logger, int recorded, int failed, int dropped);

    [LoggerMessage(90, LogLevel.Warning, "telemetry was not fully exported within {BudgetMs} ms; the rest is dropped", EventName = "TelemetryNotFlushed")]
    public static partial void TelemetryNotFlushed(ILogger logger, long budgetMs);

    [LoggerMessage(91, LogLevel.Warning, "telemetry export to {Endpoint} failed after {ElapsedMs} ms: {Reason}; what was not exported is dropped", EventName = "TelemetryExportFailed")]
    public static partial void TelemetryExportFailed(ILogger logger, string endpoint, long elapsedMs, string reason);
}
