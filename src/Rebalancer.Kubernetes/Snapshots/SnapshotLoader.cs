using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots.Compact;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Reads cluster snapshots saved with kubectl: a <c>v1 List</c> (<c>kubectl get nodes,pods,pdb -A -o json</c>), typed lists
/// (<c>PodList</c>, <c>NodeMetricsList</c>…), single objects, or several such JSON documents one after another. Supported
/// kinds are Node, Pod, PodDisruptionBudget, Namespace, PriorityClass, PersistentVolumeClaim, NodeMetrics and PodMetrics;
/// other kinds are skipped with one warning per kind. Input is streamed, so file size is bounded by disk, not memory; an
/// input larger than one 1 MiB block is tokenized on a second thread while this one parses (design 0002, "Loading").
/// A compact snapshot (<see cref="CompactSnapshot"/>, written by <c>rebalancer snapshot --format compact</c>) is
/// recognised by its first bytes, gzip-compressed or not.
/// </summary>
public static class SnapshotLoader
{
    /// <summary>Loads a file; <c>-</c> reads standard input. Gzip-compressed input is recognised by its header.</summary>
    /// <exception cref="SnapshotFormatException">The content is not a valid snapshot.</exception>
    public static SnapshotLoadResult Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == "-")
        {
            using Stream stdin = Console.OpenStandardInput();
            return Load(stdin, "<stdin>");
        }

        // bufferSize 0: the loader has its own buffer, a second copy through FileStream's would be waste.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        return Load(file, path);
    }

    /// <summary>Loads one stream, JSON or compact; <paramref name="source"/> names it in errors and warnings.</summary>
    /// <exception cref="SnapshotFormatException">The content is not a valid snapshot.</exception>
    public static SnapshotLoadResult Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] head = new byte[CompactSnapshot.MagicLength];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        Stream whole;
        if (stream.CanSeek)
        {
            stream.Position -= read;
            whole = stream;
        }
        else
        {
            whole = new ReplayStream(head.AsMemory(0, read), stream);
        }

        if (read >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // Gzip, from a file or a pipe alike; what it holds is recognised again (JSON or compact). Not GZipStream: it
            // takes a truncated file, or one with bytes appended, without a word (CheckedGzipStream says why).
            using var gzip = new CheckedGzipStream(whole);
            try
            {
                return Load(gzip, source);
            }
            catch (InvalidDataException e)
            {
                throw new SnapshotFormatException(source, "$", "not a readable gzip file: " + e.Message, innerException: e);
            }
        }

        if (CompactSnapshot.IsCompact(head.AsSpan(0, read)))
        {
            // The compact reader makes many small reads (constraint sets, PDBs); the loader opened the file unbuffered.
            // Not disposed: disposing a BufferedStream closes the stream under it, which is the caller's.
            var buffered = new BufferedStream(whole, 1 << 16);
            return CompactSnapshot.Read(buffered, source);
        }

        return LoadJson(whole, source);
    }

    private static SnapshotLoadResult LoadJson(Stream stream, string source)
    {
        var builder = new SnapshotBuilder();
        var stats = new SnapshotLoadStatistics();
        var warnings = new List<string>();
        LoadInto(stream, source, builder, stats, warnings);
        return new SnapshotLoadResult(builder.Build(), warnings, stats);
    }

    /// <summary>
    /// Adds the objects of <paramref name="stream"/> to <paramref name="builder"/>, so several files (nodes.json,
    /// pods.json, metrics.json…) make one snapshot. Warnings are appended and counters added up.
    /// </summary>
    /// <remarks>JSON only: a compact snapshot is a finished snapshot, it cannot be merged (the parser says so).</remarks>
    /// <exception cref="SnapshotFormatException">The content is not a valid snapshot; the builder may then hold part of it.</exception>
    public static void LoadInto(Stream stream, string source, SnapshotBuilder builder, SnapshotLoadStatistics stats, List<string> warnings) =>
        LoadInto(stream, source, builder, stats, warnings, SnapshotParser.DefaultBufferSize);

    /// <summary>As the public overload, with the initial buffer size exposed so tests can force refills and growth.</summary>
    internal static void LoadInto(Stream stream, string source, SnapshotBuilder builder, SnapshotLoadStatistics stats, List<string> warnings, int bufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(warnings);
        using var parser = new SnapshotParser(stream, source, builder, stats, warnings, bufferSize);
        parser.Run();
    }
}
