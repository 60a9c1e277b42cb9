using System.Text.Json;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary>
/// Output paths (<c>--out</c>, <c>snapshot -o</c>) are checked before anything is read or done, and a report that cannot
/// be written after a run acted is never lost.
/// </summary>
public sealed class OutputPathTests : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";

    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-out-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Kubeconfig(TestApiServer server) => server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

    public static TheoryData<string, string, string> BadPaths => new()
    {
        // The path (relative to the test's directory; "{dir}" is the directory itself), then what the message says.
        { "{dir}", "text", ": is a directory; name a file in it (e.g. {dir}/report.txt)" },
        { "{dir}", "html", ": is a directory; name a file in it (e.g. {dir}/report.html)" },
        { "{dir}/sub/", "json", ": is a directory" },
        { "{dir}/no-such-dir/sub/r.txt", "text", ": the directory {dir}/no-such-dir/sub does not exist (add --create-dirs to create it)" },
        { "{dir}/a-file/r.txt", "text", ": {dir}/a-file is a file, not a directory" },
        { "{dir}/policy.yaml", "text", ": is the --policy file; the report would overwrite it" },
    };

    private string Expand(string text) => text.Replace("{dir}", _directory, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(BadPaths))]
    public async Task Plan_Should_Exit2BeforeLoadingAnything_When_TheOutputPathIsUnusable(string path, string format, string message)
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "a-file"), "x");
        File.Copy(CliRunner.DemoPolicy, Path.Combine(_directory, "policy.yaml"));
        string output = Expand(path);

        (int code, string stdout, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", Path.Combine(_directory, "policy.yaml"), "--output", format, "--out", output]);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains($"error: --out {output}{Expand(message)}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Loaded", error, StringComparison.Ordinal); // nothing was planned
        Assert.False(Directory.Exists(Path.Combine(_directory, "no-such-dir")));
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(_directory, "a-file")));
        Assert.Equal(await File.ReadAllTextAsync(CliRunner.DemoPolicy), await File.ReadAllTextAsync(Path.Combine(_directory, "policy.yaml")));
    }

    [Fact]
    public async Task Plan_Should_CreateTheMissingDirectories_Only_When_CreateDirsIsGiven()
    {
        string output = Path.Combine(_directory, "reports", "2026", "plan.json");

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--out", output, "--now", Now]);
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(Path.Combine(_directory, "reports")));
        Assert.Contains("--create-dirs", error, StringComparison.Ordinal);

        (code, string stdout, error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--out", output, "--create-dirs", "--now", Now]);
        Assert.True(code == 0, error);
        Assert.Empty(stdout);
        Assert.Equal(Now, JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.GetProperty("metadata").GetProperty("now").GetString());
    }

    [Fact]
    public async Task Plan_Should_NameTheVariable_When_TheOutputPathComesFromTheEnvironment()
    {
        (int code, _, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot], services: null, new Dictionary<string, string?> { ["REBALANCER_OUT"] = _directory });

        Assert.Equal(2, code);
        Assert.Contains($"error: REBALANCER_OUT {_directory}: is a directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Should_WriteToStandardOutput_When_OutIsADash()
    {
        (int code, string stdout, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--out", "-", "--now", Now]);

        Assert.True(code == 0, error);
        Assert.Equal(Now, JsonDocument.Parse(stdout).RootElement.GetProperty("metadata").GetProperty("now").GetString());
        Assert.False(File.Exists("-"));
    }

    [PathFact("/proc/self")]
    public async Task Plan_Should_Exit2_When_NoFileCanBeCreatedInTheDirectory()
    {
        // /proc takes no new files, not even from root: the check creates one rather than trusting permission bits.

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--out", "/proc/rebalancer-report.txt"]);

        Assert.Equal(2, code);
        Assert.Contains("error: --out /proc/rebalancer-report.txt: cannot create a file in /proc: ", error, StringComparison.Ordinal);
    }

    [PathFact("/dev/full")]
    public async Task Plan_Should_WriteTheReportToStandardOutputAndExit1_When_TheFileCannotBeWritten()
    {
        // /dev/full passes every check (it exists and may be opened for writing) and fails every write: a disk that
        // filled up between the check and the report.

        (int code, string stdout, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--out", "/dev/full", "--now", Now]);

        Assert.Equal(1, code);
        Assert.Equal(Now, JsonDocument.Parse(stdout).RootElement.GetProperty("metadata").GetProperty("now").GetString());
        Assert.Contains("the report could not be written to /dev/full", error, StringComparison.Ordinal);
        Assert.Contains("it is written to standard output instead", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Should_Exit2AndAskNothingOfTheCluster_When_OutIsADirectory()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = Kubeconfig(server);

        (int code, string stdout, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", kubeconfig, "--policy", CliRunner.DemoPolicy, "--dry-run=server", "--out", _directory]);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains($"error: --out {_directory}: is a directory", error, StringComparison.Ordinal);
        Assert.Empty(server.Journal.Entries);
    }

    [PathFact("/dev/full")]
    public async Task Run_Should_KeepTheReport_When_ItCannotBeWrittenAfterTheEvictions()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        int podsBefore = server.Store.Count("pods");

        (int code, string stdout, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--out", "/dev/full", "--max-evictions-per-second", "1000"]);

        // The evictions happened; the report, with every outcome, went to standard output instead; the exit code says so.
        Assert.Equal(1, code);
        JsonElement[] evictions = [.. JsonDocument.Parse(stdout).RootElement.GetProperty("evictions").EnumerateArray()];
        Assert.NotEmpty(evictions);
        Assert.All(evictions, e => Assert.Equal("Evicted", e.GetProperty("outcome").GetString()));
        Assert.Equal(evictions.Length, server.Journal.Find("POST", EvictionPath).Count);
        Assert.Equal(podsBefore - evictions.Length, server.Store.Count("pods"));
        Assert.Contains("the report could not be written to /dev/full", error, StringComparison.Ordinal);
        Assert.Contains("it is written to standard output instead", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_Should_Exit2BeforeConnecting_When_OutIsADirectoryOrItsDirectoryIsMissing()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = Kubeconfig(server);
        string missing = Path.Combine(_directory, "snapshots", "cluster.json");

        (int code, _, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", _directory]);
        Assert.Equal(2, code);
        Assert.Contains($"error: --out {_directory}: is a directory; name a file in it (e.g. {_directory}/cluster.json)", error, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", missing]);
        Assert.Equal(2, code);
        Assert.Contains("does not exist (add --create-dirs to create it)", error, StringComparison.Ordinal);
        Assert.Empty(server.Journal.Entries);

        (code, _, error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", missing, "--create-dirs"]);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(missing));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(missing)!, ".rebalancer-snapshot-*"));
    }
}

/// <summary>A fact that needs a Linux path (<c>/dev/full</c>, <c>/proc</c>) to produce a real file-system fault; skipped, with the reason, without it.</summary>
public sealed class PathFactAttribute : FactAttribute
{
    public PathFactAttribute(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Skip = $"{path} does not exist here: the test needs it to make a real file-system fault";
        }
    }
}
