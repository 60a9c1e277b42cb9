using Rebalancer.Cli.Commands;
using Rebalancer.Cli.Hosting;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Cli.Tests;

/// <summary>The snapshot load that starts while the host starts (<see cref="SnapshotPrefetch"/>).</summary>
public sealed class SnapshotPrefetchTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-")]
    public void Nothing_is_read_ahead_without_a_file(string? path)
    {
        SnapshotPrefetch prefetch = Registered(path);

        Assert.Same(SnapshotPrefetch.None, prefetch);
        Assert.Null(prefetch.For("-"));
    }

    [Fact]
    public async Task The_named_file_is_loaded_once_and_given_to_the_handler_that_asks_for_it()
    {
        SnapshotPrefetch prefetch = Registered(CliRunner.DemoSnapshot);

        Task<SnapshotLoadResult>? load = prefetch.For(CliRunner.DemoSnapshot);
        Assert.NotNull(load);
        Assert.Null(prefetch.For("other.json"));
        SnapshotLoadResult loaded = await load;
        Assert.Equal(SnapshotLoader.Load(CliRunner.DemoSnapshot).Snapshot.Pods.Count, loaded.Snapshot.Pods.Count);
        Assert.True(prefetch.Duration > TimeSpan.Zero);
        Assert.True(prefetch.StartedAt <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_missing_file_faults_the_load_with_the_loaders_exception()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.json");

        Task<SnapshotLoadResult>? load = Registered(missing).For(missing);

        Assert.NotNull(load);
        await Assert.ThrowsAsync<FileNotFoundException>(() => load);
    }

    [Fact]
    public async Task Plan_Should_ReportInvalidSettings_When_ItsSnapshotIsStillLoading()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--now", "yesterday"]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith("error: --now", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Loaded", error, StringComparison.Ordinal);
    }

    private static SnapshotPrefetch Registered(string? path)
    {
        var values = new Dictionary<string, string?>();
        if (path is not null)
        {
            values[$"{SettingsSources.Section}:Snapshot"] = path;
        }

        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        SnapshotPrefetch.Start(new SettingsValues(values, new SettingsOrigins(new Dictionary<string, string>()), []))(services);
        return (SnapshotPrefetch)Assert.Single(services).ImplementationInstance!;
    }
}
