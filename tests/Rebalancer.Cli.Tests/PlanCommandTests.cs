using System.Text.Json;

namespace Rebalancer.Cli.Tests;

public sealed class PlanCommandTests
{
    private const string Now = "2026-11-27T10:00:00Z";

    [Fact]
    public async Task Plan_Should_PrintTheJsonContract_When_RunOnTheDemo()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);

        Assert.True(code == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("rebalancer.io/v1alpha1", root.GetProperty("apiVersion").GetString());
        JsonElement evictions = root.GetProperty("evictions");
        Assert.True(evictions.GetArrayLength() > 0);
        foreach (JsonElement eviction in evictions.EnumerateArray())
        {
            foreach (string field in new[] { "namespace", "name", "uid", "node", "targetNode", "plugin", "reason" })
            {
                Assert.False(string.IsNullOrEmpty(eviction.GetProperty(field).GetString()), field);
            }
        }

        Assert.All(root.GetProperty("skipped").EnumerateArray(), s => Assert.False(string.IsNullOrEmpty(s.GetProperty("reason").GetString())));
        JsonElement summary = root.GetProperty("summary");
        Assert.Equal(evictions.GetArrayLength(), summary.GetProperty("evictions").GetInt32());
        Assert.Equal(50, summary.GetProperty("nodes").GetInt32());
        Assert.Equal(50, summary.GetProperty("utilization").GetArrayLength());
        Assert.Equal(Now, root.GetProperty("metadata").GetProperty("now").GetString());
    }

    [Fact]
    public async Task Plan_Should_BeReproducible_When_NowIsPinned()
    {
        string[] args = ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now];

        (_, string first, _) = await CliRunner.RunAsync(args);
        (_, string second, _) = await CliRunner.RunAsync(args);

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("text", "Evictions")]
    [InlineData("markdown", "| ")]
    public async Task Plan_Should_RenderEachFormat(string format, string expected)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", format, "--now", Now]);

        Assert.True(code == 0, error);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Should_UseTheBuiltInPolicy_When_NoneIsGiven()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--now", Now]);

        Assert.True(code == 0, error);
        Assert.Equal("built-in", JsonDocument.Parse(output).RootElement.GetProperty("metadata").GetProperty("policy").GetString());
    }

    [Fact]
    public async Task Plan_Should_WriteTheReportToAFile_When_OutIsGiven()
    {
        string file = Path.Combine(Path.GetTempPath(), $"rebalancer-{Guid.NewGuid():N}", "report.md");
        try
        {
            // The directory does not exist: --create-dirs asks for it (OutputPathTests: without it, exit 2).
            (int code, string output, _) = await CliRunner.RunAsync(
                ["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "markdown", "--out", file, "--create-dirs", "--now", Now]);

            Assert.Equal(0, code);
            Assert.Empty(output);
            Assert.Contains("RemoveDuplicates", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task Plan_Should_ReadTheSnapshotFromStdin_When_SnapshotIsDash()
    {
        string snapshot = await File.ReadAllTextAsync(CliRunner.DemoSnapshot);

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", "-", "--output", "json", "--now", Now], snapshot);

        Assert.True(code == 0, error);
        Assert.Equal("<stdin>", JsonDocument.Parse(output).RootElement.GetProperty("metadata").GetProperty("source").GetString());
    }

    public static TheoryData<string, string[]> MalformedSnapshots => new()
    {
        {
            """{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"d"},"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"12 cores"}}}]}}]}""",
            ["items[0].spec.containers[0].resources.requests.cpu", "12 cores"]
        },
        { """{"apiVersion":"v1","kind":"List","items":[""", ["bad.json"] },
        { "this is not json", ["bad.json"] },
    };

    [Theory]
    [MemberData(nameof(MalformedSnapshots))]
    public async Task Plan_Should_ExitTwoWithThePath_When_SnapshotIsMalformed(string content, string[] expected)
    {
        string directory = Directory.CreateTempSubdirectory("rebalancer-").FullName;
        string file = Path.Combine(directory, "bad.json");
        await File.WriteAllTextAsync(file, content);
        try
        {
            (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", file]);

            Assert.Equal(2, code);
            Assert.Empty(output);
            Assert.All(expected, e => Assert.Contains(e, error, StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Plan_Should_ExitTwoWithEveryProblem_When_PolicyIsInvalid()
    {
        string directory = Directory.CreateTempSubdirectory("rebalancer-").FullName;
        string policy = Path.Combine(directory, "policy.yaml");
        await File.WriteAllTextAsync(policy, """
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            maxNoOfPodsToEvictPerNode: -1
            profiles:
              - name: p
                pluginConfig:
                  - name: LowNodeUtilization
                    args:
                      thresholds: {cpu: 120}
                      targetThresholds: {cpu: 50}
                plugins:
                  balance:
                    enabled: [LowNodeUtilization]
            """);
        try
        {
            (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy]);

            Assert.Equal(2, code);
            Assert.Empty(output);
            Assert.Contains(policy, error, StringComparison.Ordinal);
            Assert.Contains("profiles[0].pluginConfig[0].args.thresholds.cpu: 120 is not in [0, 100]", error, StringComparison.Ordinal);
            Assert.Contains("maxNoOfPodsToEvictPerNode", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("--snapshot", "/nonexistent/snapshot.json")]
    [InlineData("--policy", "/nonexistent/policy.yaml")]
    public async Task Plan_Should_ExitTwo_When_AFileIsMissing(string option, string path)
    {
        string[] args = option == "--snapshot" ? ["plan", "--snapshot", path] : ["plan", "--snapshot", CliRunner.DemoSnapshot, option, path];

        (int code, _, string error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--now", "yesterday")]
    [InlineData("--output", "yaml")]
    [InlineData("--bogus", "1")]
    public async Task Plan_Should_ExitTwo_When_AnOptionIsInvalid(string option, string value)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, option, value]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(option == "--bogus" ? "--bogus" : value, error, StringComparison.Ordinal);
    }
}
