using System.Diagnostics;
using System.Globalization;

namespace Rebalancer.Benchmarks.Tianchi;

/// <summary>
/// <c>tianchi --data DIR|ZIP --out FILE [--usage-at T]</c> writes data set B as a snapshot;
/// <c>tianchi-check --data DIR|ZIP [--plan REPORT.json]</c> checks the data set's placement, and the placement after a
/// plan's evictions, against the competition's rules.
/// </summary>
internal static class TianchiCommand
{
    public static int Convert(string[] args)
    {
        string? data = null, output = null;
        int usageAt = 0;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data":
                    data = Program.Value(args, ref i);
                    break;
                case "-o" or "--out" or "--output":
                    output = Program.Value(args, ref i);
                    break;
                case "--usage-at":
                    usageAt = Program.Int(args, ref i);
                    break;
                default:
                    return Program.Usage($"unknown argument '{args[i]}'");
            }
        }

        if (data is null || output is null)
        {
            return Program.Usage("tianchi needs --data DIR|ZIP and --out FILE");
        }

        var clock = Stopwatch.StartNew();
        TianchiData set = Load(data);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        TianchiConversion c;
        using (FileStream stream = File.Create(output))
        {
            c = TianchiSnapshotWriter.Write(set, stream, usageAt);
        }

        long bytes = new FileInfo(output).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            {output}: {bytes / 1024.0 / 1024.0:N1} MiB in {clock.Elapsed.TotalSeconds:N2} s
              nodes {c.Nodes:N0}; pods {c.PlacedPods:N0} placed + {c.PendingPods:N0} pending; apps with instances {c.Apps:N0}
              interference rules: {c.AntiAffinityRules:N0} <A,B,0> and {c.SelfAntiAffinityRules:N0} <A,A,0> as required anti-affinity ({c.AppsWithAntiAffinity:N0} apps carry a term);
                {c.SpreadCapRules:N0} <A,A,k>=1> as topologySpreadConstraints (maxSkew k+1, hostname);
                {c.DroppedCrossAppCaps:N0} <A,B,k>=1> dropped (no Kubernetes equivalent); {c.RulesOnAbsentApps:N0} name an app without instances
              machines whose summed peak requests exceed capacity: cpu {c.NodesOverCpu:N0}, memory {c.NodesOverMemory:N0} (the data set bounds the summed curves, not peaks)
              metrics: usage at time point {c.UsageAt}
            """));
        return 0;
    }

    public static int Check(string[] args)
    {
        string? data = null, plan = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data":
                    data = Program.Value(args, ref i);
                    break;
                case "--plan":
                    plan = Program.Value(args, ref i);
                    break;
                default:
                    return Program.Usage($"unknown argument '{args[i]}'");
            }
        }

        if (data is null)
        {
            return Program.Usage("tianchi-check needs --data DIR|ZIP");
        }

        TianchiData set = Load(data);
        Dictionary<string, string> placement = TianchiCheck.InitialPlacement(set);
        Console.WriteLine("data set placement: " + TianchiCheck.Evaluate(set, placement));
        if (plan is not null)
        {
            (int moved, int without) = TianchiCheck.Apply(placement, plan);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"after the plan ({moved:N0} pods moved, {without:N0} evicted without a projected target): ") + TianchiCheck.Evaluate(set, placement));
        }

        return 0;
    }

    private static TianchiData Load(string data)
    {
        TianchiData set = TianchiData.Load(data);
        if (set.Sha256 != TianchiData.ExpectedSha256)
        {
            Console.Error.WriteLine($"warning: the archive's sha256 is {set.Sha256}, not the documented {TianchiData.ExpectedSha256}; figures will not match docs/benchmarks.md");
        }

        return set;
    }
}
