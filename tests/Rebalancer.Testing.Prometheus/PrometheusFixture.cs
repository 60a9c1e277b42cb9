using System.Globalization;
using System.Text;
using Rebalancer.Core.Model;
using Xunit;

namespace Rebalancer.Testing.Prometheus;

/// <summary>
/// One real Prometheus per test assembly (an xunit collection fixture) over the demo cluster's backfilled history
/// (<see cref="DemoHistory"/>). The blocks are built once per machine and cached; the server starts once and is killed
/// when the tests end. Its <c>--query.max-samples</c> is set so a two-day query over the whole cluster is over the
/// limit and must be split by namespace, while a short window is not: both paths run against the real server.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    /// <summary>The server's sample limit: a two-day rate over the demo's ~400 containers loads ~580k raw samples (over it), kube-system's ~250k (under).</summary>
    public const int MaxSamples = 400_000;

    private PrometheusServer? _server;

    public PrometheusServer Server => _server ?? throw new InvalidOperationException(PrometheusBinaries.MissingMessage);

    public Uri Url => Server.Url;

    public ClusterSnapshot Snapshot { get; private set; } = null!;

    public HistoryDataset Dataset { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!PrometheusBinaries.Available)
        {
            return;
        }

        Snapshot = DemoHistory.LoadSnapshot();
        IReadOnlyList<HistoryContainer> containers = DemoHistory.Containers(Snapshot);

        // The expected values need the generator's pass either way; the blocks only when not cached.
        HistoryDatasetOptions options = DemoHistory.Options(Snapshot);
        Dataset = HistoryDataset.Write(options, containers, TextWriter.Null);
        string key = string.Create(CultureInfo.InvariantCulture, $"demo-history v{DemoHistory.Version} {options.End:O} {options.Window} {containers.Count} {options.Nodes.Count} {Dataset.Samples}");
        string blocks = BlockCache.GetOrCreate(key, directory =>
        {
            using var writer = new StreamWriter(Path.Combine(directory, "demo.om"), append: false, new UTF8Encoding(false), 1 << 20);
            HistoryDataset.Write(options, containers, writer);
        }, maxBlockDuration: TimeSpan.FromDays(3));
        _server = await PrometheusServer.StartAsync(blocks, [$"--query.max-samples={MaxSamples}"]);
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A fact that needs the real Prometheus: skipped, with the reason, when prometheus or promtool is not installed.</summary>
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (!PrometheusBinaries.Available)
        {
            Skip = PrometheusBinaries.MissingMessage;
        }
    }
}

/// <summary>A theory that needs the real Prometheus (see <see cref="PrometheusFactAttribute"/>).</summary>
public sealed class PrometheusTheoryAttribute : TheoryAttribute
{
    public PrometheusTheoryAttribute()
    {
        if (!PrometheusBinaries.Available)
        {
            Skip = PrometheusBinaries.MissingMessage;
        }
    }
}
