using System.Diagnostics;
using System.Globalization;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// Progress of long work (reading the cluster, planning, executing) as one self-overwriting line per phase on
/// standard error, only when standard error is a terminal: people watch progress, log pipelines get the log events.
/// Every phase prints the same way: <c>phase: counts, rate</c>, and a final line when it completes.
/// </summary>
internal sealed class TerminalProgress(CliConsole console, TimeProvider time)
{
    private readonly Lock _gate = new();

    /// <summary>
    /// True when standard error is a terminal. <see cref="CliConsole.IsTerminal"/> is about standard output; an injected
    /// console's error writer is never a terminal.
    /// </summary>
    public static bool IsTerminal(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;
    }

    public bool Enabled => IsTerminal(console);

    /// <summary>Pages, objects and MiB per list; null (no reports) when not on a terminal.</summary>
    public IProgress<ReadProgress>? Reading() => Enabled ? new ReadingProgress(this) : null;

    /// <summary>The plugin running and how many are left; null when not on a terminal.</summary>
    public IPlanObserver? Planning(PlanningSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int plugins = settings.Profiles.Sum(profile => profile.Deschedule.Count + profile.Balance.Count);
        return Enabled ? new PlanningProgress(this, plugins) : null;
    }

    /// <summary>
    /// Evictions done out of <paramref name="planned"/>, by outcome, and the rate, until disposed. It follows the
    /// executor's <c>evict</c> spans, so the executor needs no progress callback of its own.
    /// </summary>
    public IDisposable? Executing(int planned) => Enabled && planned > 0 ? new ExecutionProgress(this, planned, time) : null;

    private void Show(string line, bool completed)
    {
        lock (_gate)
        {
            console.Error.Write("\r" + line.PadRight(78));
            if (completed)
            {
                console.Error.WriteLine();
            }

            console.Error.Flush();
        }
    }

    private sealed class ReadingProgress(TerminalProgress progress) : IProgress<ReadProgress>
    {
        public void Report(ReadProgress value) => progress.Show(
            string.Create(CultureInfo.InvariantCulture,
                $"reading {value.Resource}: {value.Objects} objects, {value.Pages} {(value.Pages == 1 ? "page" : "pages")}, {value.Bytes / 1048576.0:0.0} MiB"),
            value.Completed);
    }

    private sealed class PlanningProgress(TerminalProgress progress, int plugins) : IPlanObserver
    {
        private int _done;
        private int _evictions;

        public void PluginStarting(string profile, string plugin, ExtensionPoint point) =>
            progress.Show(string.Create(CultureInfo.InvariantCulture, $"planning: {plugin} ({profile}), plugin {_done + 1} of {plugins}, {_evictions} evictions so far"), completed: false);

        public void PluginFinished(PluginResult result)
        {
            _done++;
            _evictions += result.Run.Evictions;
            if (_done == plugins)
            {
                progress.Show(string.Create(CultureInfo.InvariantCulture, $"planning: {plugins} plugins, {_evictions} evictions"), completed: true);
            }
        }
    }

    private sealed class ExecutionProgress : IDisposable
    {
        private readonly TerminalProgress _progress;
        private readonly int _planned;
        private readonly TimeProvider _time;
        private readonly long _started;
        private readonly ActivityListener _listener;
        private readonly SortedDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
        private int _done;

        public ExecutionProgress(TerminalProgress progress, int planned, TimeProvider time)
        {
            _progress = progress;
            _planned = planned;
            _time = time;
            _started = time.GetTimestamp();
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == RebalancerTelemetry.Name,

                // Propagation only: progress must not change what the configured sampler records.
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
                ActivityStopped = Stopped,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public void Dispose()
        {
            _listener.Dispose();
            lock (_outcomes)
            {
                _progress.Show(Line(), completed: true);
            }
        }

        private void Stopped(Activity span)
        {
            if (span.OperationName != SpanNames.Evict)
            {
                return;
            }

            lock (_outcomes)
            {
                _done++;
                string outcome = span.GetTagItem(SpanAttributes.Outcome) as string ?? "unknown";
                _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
                _progress.Show(Line(), completed: false);
            }
        }

        private string Line()
        {
            double seconds = _time.GetElapsedTime(_started).TotalSeconds;
            string counts = string.Join(", ", _outcomes.Select(pair => $"{pair.Value} {pair.Key}"));
            return string.Create(CultureInfo.InvariantCulture,
                $"executing: {_done}/{_planned} evictions, {(seconds > 0 ? _done / seconds : 0):0.0}/s{(counts.Length > 0 ? ": " + counts : string.Empty)}");
        }
    }
}
