using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;
using Rebalancer.Testing.Synthetic;

namespace Rebalancer.Benchmarks;

/// <summary>
/// Synthetic snapshot files shared by the benchmarks: generated once (30 pods per node, seed 42, full realism) and cached
/// under <c>/tmp/rebalancer-bench/</c> (or <c>$REBALANCER_BENCH_DIR</c>), keyed by size and generator format version.
/// </summary>
public static class BenchmarkData
{
    public const int Seed = 42;

    /// <summary>The sizes the load benchmarks run: 15k, 50k and 150k pods.</summary>
    public static IReadOnlyList<int> PodCounts { get; } = [15_000, 50_000, 150_000];

    public static string Directory =>
        Environment.GetEnvironmentVariable("REBALANCER_BENCH_DIR") is { Length: > 0 } dir ? dir : "/tmp/rebalancer-bench";

    /// <summary>500, 1,667 and 5,000 nodes for the standard sizes; 30 pods per node otherwise.</summary>
    public static int NodesFor(int pods) => pods switch
    {
        15_000 => 500,
        50_000 => 1_667,
        150_000 => 5_000,
        _ => Math.Max(1, pods / 30),
    };

    public static SyntheticClusterOptions OptionsFor(int pods) => new() { Pods = pods, Nodes = NodesFor(pods), Seed = Seed, Realism = true, Indented = false, IncludeMetrics = true };

    /// <summary>The path of the file for <paramref name="pods"/> pods, generating it first when it is not cached yet.</summary>
    public static string GetFile(int pods)
    {
        SyntheticClusterOptions options = OptionsFor(pods);
        string path = Path.Combine(Directory, $"synthetic-{pods}p-{options.Nodes}n-s{Seed}-v{SyntheticClusterGenerator.FormatVersion}.json");
        if (File.Exists(path))
        {
            return path;
        }

        System.IO.Directory.CreateDirectory(Directory);
        WriteOnce(path, temp => SyntheticClusterGenerator.WriteToFile(options, temp));
        return path;
    }

    /// <summary>
    /// The compact snapshot (<see cref="CompactSnapshot"/>) of the JSON file for <paramref name="pods"/> pods, written
    /// beside it on first use, as <c>rebalancer snapshot --from FILE.json --format compact</c> writes it.
    /// </summary>
    public static string GetCompactFile(int pods)
    {
        string json = GetFile(pods);
        string path = Path.ChangeExtension(json, $".c{CompactSnapshot.FormatVersion}{CompactSnapshot.Extension}");
        if (File.Exists(path))
        {
            return path;
        }

        WriteOnce(path, temp =>
        {
            SnapshotLoadResult loaded = SnapshotLoader.Load(json);
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            CompactSnapshot.Write(file, loaded);
        });
        return path;
    }

    /// <summary>
    /// Writes <paramref name="path"/> aside and renames it, so a concurrent or interrupted run never sees half a file; a
    /// run that loses the race keeps the other's file (both write the same bytes for the same name).
    /// </summary>
    private static void WriteOnce(string path, Action<string> write)
    {
        string temp = path + "." + Environment.ProcessId + ".tmp";
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process finished first; its file is identical.
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Generates every standard size (if missing) and returns their paths.</summary>
    public static IReadOnlyList<string> GetAll() => [.. PodCounts.Select(GetFile)];
}
