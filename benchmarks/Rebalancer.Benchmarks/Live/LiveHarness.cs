using System.Diagnostics;
using System.Globalization;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Benchmarks.Live;

/// <summary>
/// <c>live-read [--pods 15000,150000] [--runs 5]</c>: the scale harness for <see cref="LiveReadBenchmarks"/> when a
/// BenchmarkDotNet run at 150k pods is too slow on a shared machine. Per size: load the test API server once, then run
/// the raw GET baseline, ClusterReader and SnapshotLoader in turn, <c>runs</c> times (plus one unmeasured warm-up each),
/// and print the median wall time, process CPU time (user + system, server included) and process allocations
/// (server included). The order is interleaved so a burst of load from other jobs hits all three alike.
/// </summary>
internal static class LiveHarness
{
    public static int Run(string[] args)
    {
        int[] sizes = [15_000, 150_000];
        int runs = 5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--pods":
                    sizes = [.. Program.Value(args, ref i).Split(',').Select(s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture))];
                    break;
                case "--runs":
                    runs = Program.Int(args, ref i);
                    break;
                default:
                    return Program.Usage($"unknown argument '{args[i]}'");
            }
        }

        foreach (int pods in sizes)
        {
            string file = BenchmarkData.GetFile(pods);
            var clock = Stopwatch.StartNew();
            TestApiServer server = LiveBench.Server(pods);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{pods:N0} pods: test API server loaded in {clock.Elapsed.TotalSeconds:N1} s, working set {Environment.WorkingSet / 1024.0 / 1024:N0} MB; load average {LoadAverage()}"));
            using KubernetesConnection connection = LiveBench.Connect(server);
            using HttpClient http = LiveBench.RawClient(server);
            ClusterReadResult check = LiveBench.Read(connection);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  ClusterReader: {check.Snapshot.Pods.Count:N0} pods, {check.Snapshot.Nodes.Count:N0} nodes, {check.Pages} pages, {check.Bytes / 1024.0 / 1024:N1} MiB, metrics {check.MetricsAvailable}"));

            var samples = new Dictionary<string, List<Sample>>
            {
                ["raw GET of every page (baseline)"] = [],
                ["ClusterReader.ReadAsync"] = [],
                ["SnapshotLoader.Load (file)"] = [],
            };
            Action[] actions =
            [
                () => LiveBench.RawGetAllPages(http),
                () => LiveBench.Read(connection),
                () => SnapshotLoader.Load(file),
            ];
            string[] names = [.. samples.Keys];
            for (int run = -1; run < runs; run++)
            {
                for (int a = 0; a < actions.Length; a++)
                {
                    Sample sample = Measure(actions[a]);
                    if (run >= 0)
                    {
                        samples[names[a]].Add(sample);
                    }
                }
            }

            double baseline = Median(samples[names[0]], s => s.Wall);
            foreach ((string name, List<Sample> list) in samples)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-34} median wall {Median(list, s => s.Wall):N2} s (min {list.Min(s => s.Wall):N2}, max {list.Max(s => s.Wall):N2}), CPU {Median(list, s => s.Cpu):N2} s, allocated {Median(list, s => s.Allocated) / 1024 / 1024:N0} MB, wall ratio {Median(list, s => s.Wall) / baseline:N2}x"));
            }

            Console.WriteLine($"  load average after: {LoadAverage()}");
        }

        return 0;
    }

    private readonly record struct Sample(double Wall, double Cpu, double Allocated);

    private static Sample Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu = process.TotalProcessorTime;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        action();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Sample(wall, (process.TotalProcessorTime - cpu).TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    private static double Median(List<Sample> samples, Func<Sample, double> value)
    {
        double[] sorted = [.. samples.Select(value).Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
