using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Rebalancer.Benchmarks.Tianchi;

/// <summary>A machine of the Alibaba Tianchi 2018 scheduling data set: capacity in cores, GB, GB and the P/M/PM counts.</summary>
internal sealed record TianchiMachine(string Id, int Cores, int MemoryGb, int DiskGb, int P, int M, int Pm);

/// <summary>An app: its 98-point cpu (cores) and memory (GB) curves, disk (GB) and P/M/PM per instance.</summary>
internal sealed record TianchiApp(string Id, double[] Cpu, double[] Memory, int DiskGb, int P, int M, int Pm)
{
    public double PeakCpu { get; } = Cpu.Max();

    public double PeakMemory { get; } = Memory.Max();
}

/// <summary>An instance (a pod); <see cref="Machine"/> is null when the instance is not placed yet.</summary>
internal sealed record TianchiInstance(string Id, string App, string? Machine);

/// <summary>An interference rule: a machine running app <see cref="A"/> may run at most <see cref="K"/> instances of <see cref="B"/>.</summary>
internal readonly record struct TianchiRule(string A, string B, int K);

/// <summary>
/// Data set B of the Tianchi 2018 "Global Scheduling Algorithm Competition" (preliminary round), read straight from
/// <c>preliminary_dataB_20180726.zip</c>: the archive's CSV entries are streamed from memory, so nothing is unpacked to
/// disk (the shared data folder is read-only, and no copy of the unlicensed data ends up anywhere).
/// </summary>
internal sealed class TianchiData
{
    public const string ZipName = "preliminary_dataB_20180726.zip";

    /// <summary>The README's checksum of the raw file: a different file would make the published figures meaningless.</summary>
    public const string ExpectedSha256 = "f61662c07796103388c7e9df8fdfd0dd21492a02df9045516ec5fbaabe5912af";

    public const int TimePoints = 98;

    public required IReadOnlyList<TianchiMachine> Machines { get; init; }

    public required IReadOnlyDictionary<string, TianchiApp> Apps { get; init; }

    /// <summary>App ids in file order (the output is deterministic and follows the files).</summary>
    public required IReadOnlyList<string> AppOrder { get; init; }

    public required IReadOnlyList<TianchiInstance> Instances { get; init; }

    public required IReadOnlyList<TianchiRule> Rules { get; init; }

    public required string Sha256 { get; init; }

    /// <summary><paramref name="path"/> is the zip itself or the folder holding it.</summary>
    public static TianchiData Load(string path)
    {
        string zip = Directory.Exists(path) ? Path.Combine(path, ZipName) : path;
        byte[] bytes = File.ReadAllBytes(zip);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);

        var machines = new List<TianchiMachine>();
        foreach (string[] row in Rows(archive, "machine_resources"))
        {
            machines.Add(new TianchiMachine(row[0], Int(row[1]), Int(row[2]), Int(row[3]), Int(row[4]), Int(row[5]), Int(row[6])));
        }

        var apps = new Dictionary<string, TianchiApp>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (string[] row in Rows(archive, "app_resources"))
        {
            var app = new TianchiApp(row[0], Curve(row[1]), Curve(row[2]), Int(row[3]), Int(row[4]), Int(row[5]), Int(row[6]));
            apps.Add(app.Id, app);
            order.Add(app.Id);
        }

        var instances = new List<TianchiInstance>();
        foreach (string[] row in Rows(archive, "instance_deploy"))
        {
            instances.Add(new TianchiInstance(row[0], row[1], row.Length > 2 && row[2].Length > 0 ? row[2] : null));
        }

        var rules = new List<TianchiRule>();
        foreach (string[] row in Rows(archive, "app_interference"))
        {
            rules.Add(new TianchiRule(row[0], row[1], Int(row[2])));
        }

        return new TianchiData { Machines = machines, Apps = apps, AppOrder = order, Instances = instances, Rules = rules, Sha256 = sha };
    }

    /// <summary>Lines of the entry whose name contains <paramref name="part"/>, split on commas (the files have no header).</summary>
    private static IEnumerable<string[]> Rows(ZipArchive archive, string part)
    {
        ZipArchiveEntry entry = archive.Entries.SingleOrDefault(e => e.Name.Contains(part, StringComparison.Ordinal) && e.Name.EndsWith(".csv", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"the archive has no *{part}*.csv entry");
        using var reader = new StreamReader(entry.Open());
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                yield return line.Split(',');
            }
        }
    }

    /// <summary>Whole numbers, which the app file writes as decimals (<c>60.000000</c>).</summary>
    private static int Int(string text)
    {
        double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return value == Math.Floor(value) ? (int)value : throw new InvalidDataException($"'{text}' is not a whole number");
    }

    private static double[] Curve(string text)
    {
        string[] parts = text.Split('|');
        if (parts.Length != TimePoints)
        {
            throw new InvalidDataException($"a curve has {parts.Length} points, expected {TimePoints}");
        }

        return [.. parts.Select(p => double.Parse(p, NumberStyles.Float, CultureInfo.InvariantCulture))];
    }

    /// <summary>Kubernetes names are DNS subdomains (no '_'): <c>inst_40570</c> becomes <c>inst-40570</c>.</summary>
    public static string KubeName(string id) => id.Replace('_', '-');
}
