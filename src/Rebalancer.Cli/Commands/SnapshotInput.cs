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
    public static async Task<SnapshotLoadResult?> LoadAsync(string path, CliConsole console, TimeProvider time, ILogger logger)
    {
        string source = SourceOf(path);
        SnapshotLoadResult loaded;
        using (Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.SnapshotLoad))
        {
            span?.SetTag(SpanAttributes.SnapshotFile, source);
            long started = time.GetTimestamp();
            try
            {
                loaded = path == "-" ? SnapshotLoader.Load(console.OpenStandardInput(), source) : SnapshotLoader.Load(path);
            }
            catch (Exception e) when (e is SnapshotFormatException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                span.RecordError(e);
                await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return null;
            }
            catch (InvalidDataException e)
            {
                // Only GZipStream throws this (a gzip header followed by damaged data); its message names no file.
                span.RecordError(e);
                await console.Error.WriteLineAsync($"error: {source}: not a readable gzip file: {e.Message}").ConfigureAwait(false);
                return null;
            }

            span?.SetTag(SpanAttributes.Objects, loaded.Statistics.Objects);
            span?.SetTag(SpanAttributes.Bytes, loaded.Statistics.Bytes);
            Log.SnapshotLoaded(logger, source, loaded.Snapshot.Nodes.Count, loaded.Snapshot.Pods.Count, loaded.Statistics.Bytes, (long)time.GetElapsedTime(started).TotalMilliseconds);
        }

        foreach (string warning in loaded.Warnings)
        {
            Log.SnapshotWarning(logger, source, warning);
        }

        return loaded;
    }
}
