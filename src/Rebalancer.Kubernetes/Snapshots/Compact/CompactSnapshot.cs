using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// The compact snapshot format: a <see cref="ClusterSnapshot"/> saved as its own columns and string table, so loading
/// it is a few large reads instead of parsing every byte of kubectl's JSON (a 150,000-pod List is ~790 MB of JSON and
/// ~74 MB compact). Written by <c>rebalancer snapshot --format compact</c>; <see cref="SnapshotLoader"/> recognises it
/// by its first bytes. Layout, versioning and checks: docs/design/0005-compact-snapshot.md.
/// </summary>
public static class CompactSnapshot
{
    /// <summary>The layout version this build writes and reads; a file of another version is refused.</summary>
    public const int FormatVersion = CompactFormat.Version;

    /// <summary>The file name extension the CLI suggests (the loader goes by content, not by name).</summary>
    public const string Extension = ".rbsnap";

    /// <summary>True when <paramref name="head"/> (the first bytes of a file) starts like a compact snapshot.</summary>
    public static bool IsCompact(ReadOnlySpan<byte> head) => head.StartsWith(CompactFormat.Magic);

    /// <summary>The number of bytes <see cref="IsCompact"/> needs to decide.</summary>
    public static int MagicLength => CompactFormat.Magic.Length;

    /// <summary>Writes <paramref name="snapshot"/> with the loader's warnings and counts; returns the bytes written.</summary>
    public static long Write(Stream output, ClusterSnapshot snapshot, CompactSnapshotProvenance provenance) =>
        Write(output, snapshot, provenance, FormatVersion);

    /// <summary>Writes format <paramref name="version"/> (1 for the tests of older files; see <see cref="CompactSnapshotWriter"/>).</summary>
    internal static long Write(Stream output, ClusterSnapshot snapshot, CompactSnapshotProvenance provenance, int version)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(provenance);
        using var writer = new CompactOutput(output);
        new CompactSnapshotWriter(writer, version).Write(snapshot, provenance);
        return writer.Written;
    }

    /// <summary>Writes <paramref name="loaded"/> (a JSON snapshot read by <see cref="SnapshotLoader"/>) in the compact format.</summary>
    public static long Write(Stream output, SnapshotLoadResult loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return Write(output, loaded.Snapshot, new CompactSnapshotProvenance(
            loaded.Warnings,
            [.. loaded.Statistics.ObjectsByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal)],
            [.. loaded.Statistics.SkippedByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal)]));
    }

    /// <summary>The provenance of a snapshot read from a live cluster: its warnings, and object counts taken from the snapshot.</summary>
    public static CompactSnapshotProvenance ProvenanceOf(ClusterSnapshot snapshot, IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(warnings);
        Core.Model.Inventory.ClusterInventory inventory = snapshot.Inventory;
        var counts = new List<KeyValuePair<string, int>>
        {
            new("CronJob", inventory.CronJobs.Count),
            new("DaemonSet", inventory.DaemonSets.Count),
            new("Deployment", inventory.Deployments.Count),
            new("HorizontalPodAutoscaler", inventory.HorizontalPodAutoscalers.Count),
            new("Job", inventory.Jobs.Count),
            new("LimitRange", inventory.LimitRanges.Count),
            new("Namespace", snapshot.Namespaces.Count),
            new("Node", snapshot.Nodes.Count),
            new("NodeMetrics", snapshot.Nodes.HasUsage.Count(has => has)),
            new("PersistentVolume", inventory.PersistentVolumes.Count),
            new("PersistentVolumeClaim", inventory.PersistentVolumeClaims.Count),
            new("Pod", snapshot.Pods.Count),
            new("PodDisruptionBudget", snapshot.Pdbs.Count),
            new("PodMetrics", snapshot.Pods.HasUsage.Count(has => has)),
            new("PriorityClass", snapshot.PriorityClasses.Count),
            new("ReplicaSet", inventory.ReplicaSets.Count),
            new("ResourceQuota", inventory.ResourceQuotas.Count),
            new("StatefulSet", inventory.StatefulSets.Count),
        };
        return new CompactSnapshotProvenance(warnings, [.. counts.Where(pair => pair.Value > 0)], []);
    }

    /// <summary>
    /// Reads a compact snapshot from the start of <paramref name="input"/>. The warnings and counts are those stored
    /// when it was written; <see cref="SnapshotLoadStatistics.Bytes"/> is the compact file's size.
    /// </summary>
    /// <exception cref="SnapshotFormatException">The file is truncated, damaged, or of another format version.</exception>
    public static SnapshotLoadResult Read(Stream input, string source)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[CompactFormat.HeaderLength];
        int read = input.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < CompactFormat.Magic.Length || !IsCompact(header))
        {
            throw new SnapshotFormatException(source, "$", "not a compact snapshot (it does not start with the compact snapshot signature)");
        }

        using var reader = new CompactInput(input, source, read);
        if (read < header.Length)
        {
            throw reader.Damaged("version", $"the file ends after {read} bytes; it is truncated");
        }

        (ClusterSnapshot snapshot, CompactSnapshotProvenance provenance) = new CompactSnapshotReader(reader).Read(header);
        var statistics = new SnapshotLoadStatistics { Bytes = reader.Position, Documents = 1 };
        foreach ((string kind, int count) in provenance.ObjectsByKind)
        {
            statistics.ObjectsByKind[kind] = count;
        }

        foreach ((string kind, int count) in provenance.SkippedByKind)
        {
            statistics.SkippedByKind[kind] = count;
        }

        return new SnapshotLoadResult(snapshot, provenance.Warnings, statistics);
    }
}
