using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>A loaded snapshot with the loader's warnings (unsupported kinds…) and counters.</summary>
public sealed record SnapshotLoadResult(ClusterSnapshot Snapshot, IReadOnlyList<string> Warnings, SnapshotLoadStatistics Statistics);

/// <summary>What the loader read. One instance may be shared by several <c>SnapshotLoader.LoadInto</c> calls.</summary>
public sealed class SnapshotLoadStatistics
{
    /// <summary>Bytes read from the input streams (after decompression).</summary>
    public long Bytes { get; set; }

    /// <summary>Top-level JSON documents (a List counts once).</summary>
    public int Documents { get; set; }

    /// <summary>Objects loaded, by kind (<c>Pod</c>, <c>Node</c>…).</summary>
    public Dictionary<string, int> ObjectsByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>Objects skipped because the loader does not use their kind (<c>ReplicaSet</c>, <c>Event</c>…).</summary>
    public Dictionary<string, int> SkippedByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>All objects loaded.</summary>
    public int Objects => ObjectsByKind.Values.Sum();
}
