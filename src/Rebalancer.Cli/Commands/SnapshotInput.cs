using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Telemetry;
using Rebalancer.Reporting;

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
    /// <param name="origin">The option that named the file (<c>--snapshot</c>, <c>--from</c>, or its variable), for messages.</param>
    /// <param name="prefetch">A load of <paramref name="path"/> already under way (<see cref="SnapshotPrefetch"/>), if any: its result
    /// and errors are taken as if loaded here, and the span and the log get its own start and duration.</param>
    public static async Task<SnapshotLoadResult?> LoadAsync(
        string path, string origin, CliConsole console, TimeProvider time, ILogger logger, SnapshotPrefetch? prefetch = null)
    {
        string source = SourceOf(path);
        SnapshotLoadResult loaded;
        Task<SnapshotLoadResult>? ahead = prefetch?.For(path);

        // A prefetched load's span starts when the load did: still inside the run span, which starts when the command
        // does (CommandHost), before the prefetch. The parent is the current activity, so the span tree is the same
        // whether the load was prefetched or not (an explicit parent context would leave Activity.Parent unset).
        using (Activity? span = ahead is null
            ? RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotLoad)
            : RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotLoad, ActivityKind.Internal, parentContext: default, startTime: prefetch!.StartedAt))
        {
            span?.SetTag(SpanAttributes.SnapshotFile, source);
            long started = time.GetTimestamp();
            try
            {
                loaded = ahead is not null ? await ahead.ConfigureAwait(false)
                    : path == "-" ? SnapshotLoader.Load(console.OpenStandardInput(), source) : SnapshotLoader.Load(path);
            }
            catch (SnapshotFormatException e)
            {
                span.RecordError(e);
                await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
            {
                span.RecordError(e);
                await console.Error.WriteLineAsync("error: " + InputFile.Describe(e, path, origin)).ConfigureAwait(false);
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
            Log.SnapshotWarning(logger, source, WithoutSource(warning, source));
        }

        return loaded;
    }

    /// <summary>The loader's warnings for the report (its <c>warnings</c>), each naming the file once.</summary>
    public static List<ReportMessage> ReportWarnings(IEnumerable<string> warnings, string source) =>
        [.. warnings.Select(w => new ReportMessage(null, null, source + ": " + WithoutSource(w, source), ReportMessage.SnapshotSource))];

    /// <summary>
    /// The loader names the file in its warnings (several files can be loaded into one snapshot); the log event and the
    /// report name it too, so the loader's prefix is dropped rather than printed twice. A warning about another file (a
    /// compact snapshot keeps those of the file it was converted from) keeps its own.
    /// </summary>
    private static string WithoutSource(string warning, string source) =>
        warning.StartsWith(source + ": ", StringComparison.Ordinal) ? warning[(source.Length + 2)..] : warning;
}
