using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// Loading a snapshot file as every command does it (<c>plan --snapshot</c>, <c>explain --snapshot</c>,
/// <c>snapshot --from</c>): kubectl JSON, gzip or compact, <c>-</c> for standard input, inside a <c>snapshot.load</c> span,
/// timed and logged with the loader's warnings.
/// </summary>
internal static class SnapshotInput
{
    /// <summary>How a snapshot path is named in messages, reports and spans.</summary>
    public static string SourceOf(string path) => path == "-" ? "<stdin>" : path;

    /// <summary>
    /// Loads <paramref name="path"/>. A malformed, missing or unreadable file is invalid input, not an event of the run:
    /// it is printed as a plain <c>error:</c> line naming the file (and the field path), and null is returned; the
    /// caller exits with <see cref="ExitCodes.InvalidInput"/>.
    /// </summary>
    /// <param name="prefetch">A load of <paramref name="path"/> already under way (<see cref="SnapshotPrefetch"/>), if any: its result
    /// and errors are taken as if loaded here, and the span and the log get its own start and duration.</param>
    public static async Task<SnapshotLoadResult?> LoadAsync(string path, CliConsole console, TimeProvider time, ILogger logger, SnapshotPrefetch? prefetch = null)
    {
        string source = SourceOf(path);
        SnapshotLoadResult loaded;
        Task<SnapshotLoadResult>? ahead = prefetch?.For(path);
        // A prefetched load's span starts when the load did, which can be before the run span it belongs to.
        using (Activity? span = ahead is null
            ? RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotLoad)
            : RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotLoad, ActivityKind.Internal, Activity.Current?.Context ?? default, startTime: prefetch!.StartedAt))
        {
            span?.SetTag(SpanAttributes.SnapshotFile, source);
            long started = time.GetTimestamp();
            try
            {
                loaded = ahead is not null ? await ahead.ConfigureAwait(false)
                    : path == "-" ? SnapshotLoader.Load(console.OpenStandardInput(), source) : SnapshotLoader.Load(path);
            }
            catch (Exception e) when (e is SnapshotFormatException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                span.RecordError(e);
                await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return null;
            }

            span?.SetTag(SpanAttributes.Objects, loaded.Statistics.Objects);
            span?.SetTag(SpanAttributes.Bytes, loaded.Statistics.Bytes);
            TimeSpan took = ahead is null ? time.GetElapsedTime(started) : prefetch!.Duration;
            if (ahead is not null)
            {
                span?.SetEndTime((prefetch!.StartedAt + took).UtcDateTime);
            }

            Log.SnapshotLoaded(logger, source, loaded.Snapshot.Nodes.Count, loaded.Snapshot.Pods.Count, loaded.Statistics.Bytes, (long)took.TotalMilliseconds);
        }

        foreach (string warning in loaded.Warnings)
        {
            Log.SnapshotWarning(logger, source, warning);
        }

        return loaded;
    }
}
