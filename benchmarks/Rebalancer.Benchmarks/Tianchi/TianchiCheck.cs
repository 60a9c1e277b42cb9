using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Rebalancer.Benchmarks.Tianchi;

/// <summary>
/// Checks a placement against the competition's own rules, which the Kubernetes mapping can only partly express:
/// the sum of the cpu and memory <b>curves</b> at each of the 98 time points (the snapshot uses peaks), disk, P/M/PM,
/// and every interference rule, including the cross-app caps &lt;A,B,k≥1&gt; the snapshot drops. Run on the data set's
/// own placement and on the placement after a plan's evictions (each evicted pod moved to its <c>targetNode</c>).
/// </summary>
internal static class TianchiCheck
{
    private const double Epsilon = 1e-6;

    public sealed record Result(
        int MachinesUsed,
        int CpuViolations,
        int MemoryViolations,
        int DiskViolations,
        int PmViolations,
        int SameAppCapViolations,
        int CrossAppAntiAffinityViolations,
        int CrossAppCapViolations,
        double MeanPeakCpuUtilization)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"machines used {MachinesUsed:N0}, mean peak cpu utilisation of used machines {MeanPeakCpuUtilization:P1}; machines over capacity at some time point: cpu {CpuViolations}, memory {MemoryViolations}; over disk {DiskViolations}, over P/M/PM {PmViolations}; interference violations (machine, rule): same-app cap {SameAppCapViolations}, <A,B,0> {CrossAppAntiAffinityViolations}, <A,B,k>=1> {CrossAppCapViolations}");
    }

    /// <summary>Evaluates <paramref name="placement"/> (instance id → machine id, unplaced instances absent).</summary>
    public static Result Evaluate(TianchiData data, IReadOnlyDictionary<string, string> placement)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int m = 0; m < data.Machines.Count; m++)
        {
            index.Add(data.Machines[m].Id, m);
        }

        int machines = data.Machines.Count;
        double[,] cpu = new double[machines, TianchiData.TimePoints];
        double[,] mem = new double[machines, TianchiData.TimePoints];
        long[] disk = new long[machines];
        int[] p = new int[machines], mm = new int[machines], pm = new int[machines];
        var counts = new Dictionary<string, int>[machines];
        foreach (TianchiInstance instance in data.Instances)
        {
            if (!placement.TryGetValue(instance.Id, out string? machine))
            {
                continue;
            }

            int n = index[machine];
            TianchiApp app = data.Apps[instance.App];
            for (int t = 0; t < TianchiData.TimePoints; t++)
            {
                cpu[n, t] += app.Cpu[t];
                mem[n, t] += app.Memory[t];
            }

            disk[n] += app.DiskGb;
            p[n] += app.P;
            mm[n] += app.M;
            pm[n] += app.Pm;
            counts[n] ??= new Dictionary<string, int>(StringComparer.Ordinal);
            counts[n][instance.App] = counts[n].GetValueOrDefault(instance.App) + 1;
        }

        int used = 0, overCpu = 0, overMem = 0, overDisk = 0, overPm = 0;
        double utilization = 0;
        for (int n = 0; n < machines; n++)
        {
            if (counts[n] is null)
            {
                continue;
            }

            used++;
            TianchiMachine machine = data.Machines[n];
            double peakCpu = 0, peakMem = 0;
            for (int t = 0; t < TianchiData.TimePoints; t++)
            {
                peakCpu = Math.Max(peakCpu, cpu[n, t]);
                peakMem = Math.Max(peakMem, mem[n, t]);
            }

            utilization += peakCpu / machine.Cores;
            overCpu += peakCpu > machine.Cores + Epsilon ? 1 : 0;
            overMem += peakMem > machine.MemoryGb + Epsilon ? 1 : 0;
            overDisk += disk[n] > machine.DiskGb ? 1 : 0;
            overPm += p[n] > machine.P || mm[n] > machine.M || pm[n] > machine.Pm ? 1 : 0;
        }

        var rulesByApp = data.Rules.GroupBy(r => r.A, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        int sameApp = 0, crossZero = 0, crossCap = 0;
        for (int n = 0; n < machines; n++)
        {
            if (counts[n] is not { } c)
            {
                continue;
            }

            foreach (string a in c.Keys)
            {
                if (!rulesByApp.TryGetValue(a, out List<TianchiRule>? rules))
                {
                    continue;
                }

                foreach (TianchiRule rule in rules)
                {
                    // The judge's same-app exception: <A,A,k> allows k+1 instances of A.
                    int allowed = rule.A == rule.B ? rule.K + 1 : rule.K;
                    if (c.TryGetValue(rule.B, out int b) && b > allowed)
                    {
                        if (rule.A == rule.B)
                        {
                            sameApp++;
                        }
                        else if (rule.K == 0)
                        {
                            crossZero++;
                        }
                        else
                        {
                            crossCap++;
                        }
                    }
                }
            }
        }

        return new Result(used, overCpu, overMem, overDisk, overPm, sameApp, crossZero, crossCap, used == 0 ? 0 : utilization / used);
    }

    public static Dictionary<string, string> InitialPlacement(TianchiData data) =>
        data.Instances.Where(i => i.Machine is not null).ToDictionary(i => i.Id, i => i.Machine!, StringComparer.Ordinal);

    /// <summary>
    /// Applies a <c>rebalancer.io/v1alpha1</c> report's evictions: each pod moves to its projected <c>targetNode</c>
    /// (Kubernetes names map back to data-set ids by '-' → '_'). Returns the moved and the untargeted counts.
    /// </summary>
    public static (int Moved, int WithoutTarget) Apply(Dictionary<string, string> placement, string reportPath)
    {
        using FileStream stream = File.OpenRead(reportPath);
        using JsonDocument report = JsonDocument.Parse(stream);
        int moved = 0, without = 0;
        foreach (JsonElement eviction in report.RootElement.GetProperty("evictions").EnumerateArray())
        {
            string id = DataId(eviction.GetProperty("name").GetString()!);
            if (eviction.TryGetProperty("targetNode", out JsonElement target) && target.ValueKind == JsonValueKind.String)
            {
                placement[id] = DataId(target.GetString()!);
                moved++;
            }
            else
            {
                placement.Remove(id);
                without++;
            }
        }

        return (moved, without);
    }

    private static string DataId(string kubeName)
    {
        var text = new StringBuilder(kubeName);
        text.Replace('-', '_');
        return text.ToString();
    }
}
