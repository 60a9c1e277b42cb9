using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Rebalancer.Testing.Synthetic;

namespace Rebalancer.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- [BenchmarkDotNet arguments]</c> runs benchmarks (e.g. <c>--filter *SnapshotLoad*</c>;
/// <c>--inProcess</c> runs the classes' own jobs in this process).
/// Subcommands that do not benchmark:
/// <c>generate --nodes N --pods P [--seed S] -o FILE [--indented] [--minimal] [--managed-fields] [--no-metrics]</c>
/// writes a synthetic snapshot, and <c>demo [-o FILE]</c> regenerates samples/demo-cluster.json.
/// <c>tianchi</c> converts the Alibaba Tianchi 2018 data set B into a snapshot and <c>tianchi-check</c> checks a plan's
/// placement against the competition's rules (<see cref="Tianchi.TianchiCommand"/>); <c>live-read</c> is the scale
/// harness of the live read benchmark (<see cref="Live.LiveHarness"/>); <c>prometheus</c> is the usage-history harness
/// against a real Prometheus (<see cref="Prometheus.PrometheusHarness"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "generate")
        {
            return Generate(args[1..]);
        }

        if (args.Length > 0 && args[0] == "demo")
        {
            return Demo(args[1..]);
        }

        if (args.Length > 0 && args[0] == "tianchi")
        {
            return Tianchi.TianchiCommand.Convert(args[1..]);
        }

        if (args.Length > 0 && args[0] == "live-read")
        {
            return Live.LiveHarness.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "prometheus")
        {
            return Prometheus.PrometheusHarness.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "tianchi-check")
        {
            return Tianchi.TianchiCommand.Check(args[1..]);
        }

        // BenchmarkDotNet's own --inProcess adds a second job beside the classes' [SimpleJob]s; applied as a mutator, the
        // in-process toolchain runs those jobs instead (no per-benchmark project build in the repository's bin/obj).
        IConfig config = DefaultConfig.Instance;
        if (args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase))
        {
            args = [.. args.Where(a => !a.Equals("--inProcess", StringComparison.OrdinalIgnoreCase))];
            // The default in-process timeout (5 minutes per benchmark case) is too short for 150k pods on 2 cores.
            var toolchain = new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true);
            config = config.AddJob(Job.Default.WithToolchain(toolchain).AsMutator());
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }

    private static int Generate(string[] args)
    {
        var options = new SyntheticClusterOptions();
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--nodes":
                    options = options with { Nodes = Int(args, ref i) };
                    break;
                case "--pods":
                    options = options with { Pods = Int(args, ref i) };
                    break;
                case "--seed":
                    options = options with { Seed = Int(args, ref i) };
                    break;
                case "-o" or "--output":
                    output = Value(args, ref i);
                    break;
                case "--indented":
                    options = options with { Indented = true };
                    break;
                case "--minimal":
                    options = options with { Realism = false };
                    break;
                case "--managed-fields":
                    options = options with { ManagedFields = true };
                    break;
                case "--no-metrics":
                    options = options with { IncludeMetrics = false };
                    break;
                default:
                    return Usage($"unknown argument '{arg}'");
            }
        }

        if (output is null)
        {
            return Usage("-o FILE is required");
        }

        var clock = Stopwatch.StartNew();
        string path;
        try
        {
            path = SyntheticClusterGenerator.WriteToFile(options, output);
        }
        catch (ArgumentException e)
        {
            return Usage(e.Message);
        }

        Report(path, clock.Elapsed, $"{options.Nodes:N0} nodes, {options.Pods:N0} pods, seed {options.Seed}");
        return 0;
    }

    private static int Demo(string[] args)
    {
        string output = Path.Combine("samples", "demo-cluster.json");
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "-o" or "--output")
            {
                output = Value(args, ref i);
            }
            else
            {
                return Usage($"unknown argument '{args[i]}'");
            }
        }

        var clock = Stopwatch.StartNew();
        string path = DemoCluster.WriteToFile(output);
        Report(path, clock.Elapsed, "demo cluster");
        return 0;
    }

    private static void Report(string path, TimeSpan elapsed, string what)
    {
        long bytes = new FileInfo(path).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: {what}, {bytes / 1024.0 / 1024.0:N1} MiB ({bytes:N0} bytes) in {elapsed.TotalSeconds:N2} s"));
    }

    internal static int Int(string[] args, ref int i) =>
        int.TryParse(Value(args, ref i), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"{args[i - 1]} needs an integer");

    internal static string Value(string[] args, ref int i) =>
        i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");

    internal static int Usage(string problem)
    {
        Console.Error.WriteLine($"error: {problem}");
        Console.Error.WriteLine("usage: Rebalancer.Benchmarks generate --nodes N --pods P [--seed S] -o FILE [--indented] [--minimal] [--managed-fields] [--no-metrics]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks demo [-o FILE]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks tianchi --data DIR|ZIP --out FILE [--usage-at T]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks live-read [--pods 15000,150000] [--runs 5]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks tianchi-check --data DIR|ZIP [--plan REPORT.json]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks prometheus [--pods 150000] [--window 24h] [--scrape 5m] [--runs 3] [--max-samples N] [--cli PATH]");
        Console.Error.WriteLine("       Rebalancer.Benchmarks [BenchmarkDotNet arguments, e.g. --filter *SnapshotLoad*]");
        return 2;
    }
}
