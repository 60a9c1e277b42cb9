using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Prometheus;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.Prometheus;

namespace Rebalancer.Benchmarks.Prometheus;

/// <summary>
/// The usage-history scale harness (issue #14): a synthetic cluster's containers get a seeded history (24 hours at a
/// 5-minute scrape by default) written as OpenMetrics in chunks and backfilled with promtool into cached blocks; a real
/// Prometheus is started over them with its default limits; the history is read the way <c>rebalancer plan</c> reads it,
/// one query at a time, and the time is split into Prometheus's part (waiting for each answer's headers: Prometheus
/// evaluates a query whole before it writes) and ours (the rest: the request, the streamed body, parsing and the
/// statistics), with both processes' CPU time. With <c>--cli</c>, the whole <c>rebalancer plan --prometheus</c>
/// process runs under /usr/bin/time for its peak RSS.
/// <code>Rebalancer.Benchmarks prometheus [--pods 150000] [--window 24h] [--scrape 5m] [--runs 3] [--max-samples N] [--cli PATH]</code>
/// </summary>
public static class PrometheusHarness
{
    private const int ChunkContainers = 5_000;

    private static readonly DateTimeOffset End = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public static int Run(string[] args)
    {
        int pods = 150_000;
        TimeSpan window = TimeSpan.FromHours(24);
        TimeSpan scrape = TimeSpan.FromMinutes(5);
        int runs = 3;
        long? maxSamples = null;
        string? cli = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--pods": pods = Program.Int(args, ref i); break;
                case "--window": window = Duration(Program.Value(args, ref i)); break;
                case "--scrape": scrape = Duration(Program.Value(args, ref i)); break;
                case "--runs": runs = Program.Int(args, ref i); break;
                case "--max-samples": maxSamples = long.Parse(Program.Value(args, ref i), CultureInfo.InvariantCulture); break;
                case "--cli": cli = Program.Value(args, ref i); break;
                default: return Program.Usage($"unknown argument '{args[i]}'");
            }
        }

        if (!PrometheusBinaries.Available)
        {
            return Program.Usage(PrometheusBinaries.MissingMessage);
        }

        Log($"prometheus: {PrometheusBinaries.Version()}; machine: {Environment.ProcessorCount} cores, load {Load()}");
        string snapshotPath = BenchmarkData.GetCompactFile(pods);
        ClusterSnapshot snapshot = SnapshotLoader.Load(snapshotPath).Snapshot;
        List<HistoryContainer> containers = Containers(snapshot);
        var options = new HistoryDatasetOptions
        {
            End = End,
            Window = window,
            ScrapeInterval = scrape,
            StateInterval = scrape,
            RateWindow = 2 * scrape,
            Nodes = DemoHistory.Nodes(snapshot),
        };
        Log($"snapshot {snapshotPath}: {snapshot.Nodes.Count:N0} nodes, {snapshot.Pods.Count:N0} pods, {containers.Count:N0} running containers");

        var clock = Stopwatch.StartNew();
        long samples = 0;
        string key = string.Create(CultureInfo.InvariantCulture, $"bench v1 {snapshotPath} {containers.Count} {End:O} {window} {scrape}");
        string blocks = BlockCache.GetOrCreate(key, directory =>
        {
            for (int chunk = 0; chunk * ChunkContainers < containers.Count; chunk++)
            {
                var part = containers.Skip(chunk * ChunkContainers).Take(ChunkContainers).ToList();
                string file = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"chunk-{chunk:D4}.om"));
                using var writer = new StreamWriter(file, append: false, new UTF8Encoding(false), 1 << 20);
                samples += HistoryDataset.Write(chunk == 0 ? options : options with { Nodes = [] }, part, writer).Samples;
            }
        }, maxBlockDuration: window + TimeSpan.FromHours(1));
        long bytes = Directory.GetFiles(blocks, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Log(samples > 0
            ? $"backfilled {samples:N0} samples in {clock.Elapsed.TotalSeconds:N0} s: {bytes / 1048576.0:N0} MiB of blocks"
            : $"blocks cached: {bytes / 1048576.0:N0} MiB");

        string[] flags = maxSamples is long limit ? [$"--query.max-samples={limit}"] : [];
        using PrometheusServer server = PrometheusServer.StartAsync(blocks, flags, TimeSpan.FromMinutes(10)).GetAwaiter().GetResult();
        Log($"prometheus ready at {server.Url} (pid {server.ProcessId}, {(maxSamples is null ? "default limits" : $"--query.max-samples={maxSamples}")})");
        var settings = UsageHistorySettings.Default with
        {
            Window = window,
            Step = scrape,
            RateWindow = 2 * scrape,
            Client = new PrometheusClientSettings { MaxConcurrency = 1, Timeout = TimeSpan.FromMinutes(10) },
        };

        Console.WriteLine("run\tquery\trequests\tseries\twait_s\telapsed_s");
        for (int run = 0; run <= runs; run++)
        {
            // Run 0 warms Prometheus's caches and this process's JIT; it is reported but not summarised.
            Measure(server, settings, window, snapshot, run);
        }

        if (cli is not null)
        {
            MeasureCli(cli, snapshotPath, server, window, scrape);
        }

        return 0;
    }

    private static void Measure(PrometheusServer server, UsageHistorySettings settings, TimeSpan window, ClusterSnapshot snapshot, int run)
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = server.Url, Timeout = settings.Client.Timeout });
        string load = Load();
        TimeSpan ourCpu = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan serverCpu = ProcessCpu(server.ProcessId);
        long allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        UsageHistoryReadResult read = new UsageHistoryReader(client, settings)
            .ReadAsync(End, window, [], CancellationToken.None).GetAwaiter().GetResult();
        TimeSpan wall = clock.Elapsed;
        ourCpu = Process.GetCurrentProcess().TotalProcessorTime - ourCpu;
        serverCpu = ProcessCpu(server.ProcessId) - serverCpu;
        allocated = GC.GetTotalAllocatedBytes() - allocated;
        foreach (QueryStatistics q in read.Queries)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run}\t{q.Name}\t{q.Requests}\t{q.Series}\t{q.Waiting.TotalSeconds:F2}\t{q.Elapsed.TotalSeconds:F2}"));
        }

        TimeSpan waiting = read.Queries.Aggregate(TimeSpan.Zero, (sum, q) => sum + q.Waiting);
        TimeSpan ours = wall - waiting;
        Log(string.Create(CultureInfo.InvariantCulture,
            $"run {run}{(run == 0 ? " (warm-up)" : string.Empty)}: {read.History?.Count ?? 0:N0} containers, {read.Queries.Sum(q => q.Requests)} requests; " +
            $"wall {wall.TotalSeconds:F1} s = Prometheus {waiting.TotalSeconds:F1} s (waiting for answers) + ours {ours.TotalSeconds:F1} s " +
            $"(ratio ours/Prometheus {ours / waiting:F2}); CPU: Prometheus {serverCpu.TotalSeconds:F1} s, ours {ourCpu.TotalSeconds:F1} s; " +
            $"allocated {allocated / 1048576.0:N0} MiB; load before {load}"));
        foreach (string warning in read.Warnings)
        {
            Log("  warning: " + warning);
        }

        if (read.History is { } history)
        {
            var match = new UsageHistoryMatch(history, snapshot);
            Log($"  summary: {match.Summary.ContainersInSnapshot:N0} containers in the snapshot, {match.Summary.RunningPodsWithoutSeries:N0} running pods without series");
        }
    }

    /// <summary>The whole <c>rebalancer plan --prometheus</c> process under /usr/bin/time: wall, CPU, peak RSS.</summary>
    private static void MeasureCli(string cli, string snapshot, PrometheusServer server, TimeSpan window, TimeSpan scrape)
    {
        string policy = Path.Combine(Path.GetTempPath(), $"rebalancer-bench-policy-{Environment.ProcessId}.yaml");
        File.WriteAllText(policy, string.Join('\n',
            "apiVersion: descheduler/v1alpha2",
            "kind: DeschedulerPolicy",
            "usageHistory:",
            $"  step: {Durations.Format(scrape)}",
            $"  rateWindow: {Durations.Format(2 * scrape)}",
            "  client: {timeout: 10m}",
            "profiles:",
            "  - name: bench",
            "    pluginConfig:",
            "      - name: LowNodeUtilization",
            "        args:",
            "          thresholds: {cpu: 20, memory: 20, pods: 20}",
            "          targetThresholds: {cpu: 50, memory: 50, pods: 50}",
            "    plugins:",
            "      balance:",
            "        enabled: [LowNodeUtilization]",
            string.Empty));
        try
        {
            var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string arg in new[]
                     {
                         "-v", cli, "plan", "--snapshot", snapshot, "--policy", policy, "--prometheus", server.Url.AbsoluteUri,
                         "--history", Durations.Format(window), "--now", End.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                         "--output", "json", "--out", "/dev/null",
                     })
            {
                info.ArgumentList.Add(arg);
            }

            string load = Load();
            using Process process = Process.Start(info)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            _ = output.Result;
            string Field(string name) => error.Split('\n').FirstOrDefault(l => l.Contains(name, StringComparison.Ordinal))?.Split(": ", 2)[1].Trim() ?? "?";
            string logLine = error.Split('\n').FirstOrDefault(l => l.Contains("PrometheusRead", StringComparison.Ordinal) || l.Contains("usage history of", StringComparison.Ordinal)) ?? string.Empty;
            Log($"rebalancer plan --prometheus (exit {process.ExitCode}): wall {Field("Elapsed (wall clock)")}, user {Field("User time")} s, system {Field("System time")} s, " +
                $"peak RSS {long.Parse(Field("Maximum resident set size"), CultureInfo.InvariantCulture) / 1024.0:N0} MiB; load before {load}");
            if (logLine.Length > 0)
            {
                Log("  " + logLine.Trim());
            }
        }
        finally
        {
            File.Delete(policy);
        }
    }

    /// <summary>The running pods' containers (their statuses' names), with the demo history's scenario mix.</summary>
    private static List<HistoryContainer> Containers(ClusterSnapshot snapshot)
    {
        var containers = new List<HistoryContainer>();
        PodTable pods = snapshot.Pods;
        int ordinal = 0;
        for (int pod = 0; pod < pods.Count; pod++)
        {
            if (pods.Phase[pod] != PodPhase.Running)
            {
                continue;
            }

            string[] names = [.. pods.ContainerStatusesOf(pod).ToArray().Where(s => !s.Init).Select(s => snapshot.Strings[s.Name])];
            if (names.Length == 0)
            {
                names = ["app"];
            }

            ReadOnlySpan<long> requests = pods.RequestsOf(pod);
            foreach (string name in names)
            {
                ordinal++;
                containers.Add(new HistoryContainer
                {
                    Namespace = snapshot.Strings[pods.Namespace[pod]],
                    Pod = pods.Name[pod],
                    Container = name,
                    CpuCores = Math.Max(0.005, requests[ResourceCatalog.Cpu] / 1000.0 / names.Length * 0.5),
                    MemoryBytes = Math.Max(16e6, requests[ResourceCatalog.Memory] / (double)names.Length * 0.6),
                    CpuLimitCores = pods.Qos[pod] == QosClass.Guaranteed ? requests[ResourceCatalog.Cpu] / 1000.0 / names.Length : null,
                    Shape = ordinal % 97 == 0 ? UsageShape.OomKilled : ordinal % 11 == 0 ? UsageShape.Leaky : ordinal % 7 == 0 ? UsageShape.Spiky : UsageShape.Diurnal,
                });
            }
        }

        return containers;
    }

    private static TimeSpan Duration(string text) =>
        Durations.TryParse(text, out TimeSpan value, out string error) ? value : throw new ArgumentException($"'{text}': {error}");

    /// <summary>utime + stime of a process from /proc (Linux), in seconds at 100 ticks per second.</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        string[] fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
