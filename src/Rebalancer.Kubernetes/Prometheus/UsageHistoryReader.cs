using System.Diagnostics;
using System.Globalization;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>The history and what went wrong reading it; <see cref="History"/> is null when nothing could be read.</summary>
public sealed record UsageHistoryReadResult(UsageHistory? History, IReadOnlyList<string> Warnings, IReadOnlyList<QueryStatistics> Queries, bool Stopped);

/// <summary>One query as sent: for telemetry and the benchmark (server time versus ours).</summary>
/// <param name="Requests">HTTP requests it took (more than one when it was split by namespace).</param>
/// <param name="Elapsed">From the first request to the last answer applied.</param>
public sealed record QueryStatistics(string Name, PrometheusOutcome Outcome, int Requests, int Series, long Samples, TimeSpan Elapsed)
{
    /// <summary>Of <see cref="Elapsed"/>, waiting for answers' headers (<see cref="PrometheusAnswer.WaitTime"/>): the server's evaluation.</summary>
    public TimeSpan Waiting { get; init; }
}

/// <summary>
/// Reads a cluster's usage history with <see cref="UsageHistoryQueries"/>: the cheapest query first (if the server is
/// unreachable or refuses the token, nothing else is asked), then the rest a few at a time. A query over a server limit
/// is split by namespace — groups balanced by series count, halved again while still too large, plus one group for
/// every namespace not named — and the split is kept for the queries after it. Each failed statistic is left out with a
/// warning; nothing is guessed. Answers are buffered per query and applied only when the whole query succeeded.
/// </summary>
public sealed class UsageHistoryReader
{
    private readonly PrometheusClient _client;
    private readonly UsageHistorySettings _settings;
    private readonly Lock _gate = new();

    public UsageHistoryReader(PrometheusClient client, UsageHistorySettings settings)
    {
        _client = client;
        _settings = settings;
    }

    /// <param name="end">The end of the window: every query is evaluated at this time (the plan's clock).</param>
    /// <param name="namespaces">The snapshot's namespaces, to split by when the server's series count does not name them all.</param>
    public async Task<UsageHistoryReadResult> ReadAsync(DateTimeOffset end, TimeSpan window, IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken)
    {
        var run = new Run(this, new UsageHistoryQueries(_settings, window), end, namespaces,
            new UsageHistoryBuilder(end, window, _settings.Step, _client.Endpoint.Description));
        IReadOnlyList<HistoryQuery> queries = run.Queries.All;

        // The probe: a failure no other query can avoid stops the read here.
        await run.ExecuteAsync(queries[0], cancellationToken).ConfigureAwait(false);
        if (!run.Stopped)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            run.StopToken = stop;
            using var slots = new SemaphoreSlim(Math.Max(1, _settings.Client.MaxConcurrency));
            var pending = new List<Task>();
            foreach (HistoryQuery query in queries.Skip(1))
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                pending.Add(RunSlotAsync(run, query, slots, stop.Token));
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return run.Finish();
    }

    private static async Task RunSlotAsync(Run run, HistoryQuery query, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await run.ExecuteAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by a failure that ends the read (or by the caller, who sees it after WhenAll).
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>One read: the builder, the namespace groups, the warnings, shared by the queries in flight.</summary>
    private sealed class Run(UsageHistoryReader reader, UsageHistoryQueries queries, DateTimeOffset end, IReadOnlyCollection<string> snapshotNamespaces, UsageHistoryBuilder builder)
    {
        private readonly List<string> _warnings = [];
        private readonly List<QueryStatistics> _statistics = [];
        private readonly Dictionary<string, long> _nonFinite = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _serverWarnings = new(StringComparer.Ordinal);
        private readonly List<string> _partial = [];
        private List<NamespaceGroup>? _groups;
        private bool _split;
        private int _answered;

        public UsageHistoryQueries Queries => queries;

        public bool Stopped { get; private set; }

        public CancellationTokenSource? StopToken { get; set; }

        private string Source => reader._client.Endpoint.Description;

        public async Task ExecuteAsync(HistoryQuery query, CancellationToken cancellationToken)
        {
            using Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.PrometheusQuery);
            span?.SetTag(SpanAttributes.PrometheusQuery, query.Name);
            long started = Stopwatch.GetTimestamp();
            var buffered = new HistorySink(reader._settings.Labels);
            var failures = new List<string>();
            int requests = 0;
            TimeSpan waiting = TimeSpan.Zero;
            int series = 0;
            long samples = 0;
            PrometheusOutcome outcome = PrometheusOutcome.Success;
            var queue = new Queue<NamespaceGroup>(CurrentGroups());
            while (queue.Count > 0)
            {
                NamespaceGroup group = queue.Dequeue();
                var sink = new HistorySink(reader._settings.Labels);
                PrometheusAnswer answer = await reader._client.QueryAsync(query.Build(group.Matcher(queries)), end, sink, cancellationToken).ConfigureAwait(false);
                requests++;
                waiting += answer.WaitTime;
                if (answer.IsSuccess && answer.ResultType != "vector")
                {
                    answer = answer with { Outcome = PrometheusOutcome.Malformed, Error = $"returned a {answer.ResultType ?? "result without a type"}, not a vector" };
                }

                if (answer.IsSuccess)
                {
                    buffered.Take(sink);
                    series += answer.Series;
                    samples += answer.Samples;
                    Observe(query, answer);
                    continue;
                }

                if (answer.StopsEverything)
                {
                    Stop(query, answer);
                    outcome = answer.Outcome;
                    break;
                }

                if (answer.Outcome == PrometheusOutcome.TooLarge && await SplitAsync(group, cancellationToken).ConfigureAwait(false) is { } halves)
                {
                    foreach (NamespaceGroup half in halves)
                    {
                        queue.Enqueue(half);
                    }

                    continue;
                }

                outcome = answer.Outcome;
                failures.Add((group.Describe() is { Length: > 0 } scope ? scope + ": " : string.Empty) + answer.Describe());
            }

            span?.SetTag(SpanAttributes.PrometheusSeries, series);
            span?.SetTag(SpanAttributes.PrometheusRequests, requests);
            span?.SetTag(SpanAttributes.PrometheusOutcome, outcome.ToString());
            lock (reader._gate)
            {
                _statistics.Add(new QueryStatistics(query.Name, outcome, requests, series, samples, Stopwatch.GetElapsedTime(started)) { Waiting = waiting });
                if (Stopped && outcome != PrometheusOutcome.Success && failures.Count == 0)
                {
                    return;
                }

                if (failures.Count > 0)
                {
                    span?.SetStatus(ActivityStatusCode.Error, failures[0]);
                    string scope = failures.Count == 1 ? failures[0] : $"{failures[0]} (and {failures.Count - 1} more namespace groups)";
                    _warnings.Add($"usage history: the {query.Name} query to {Source} failed: {scope}; that statistic is left out{(failures.Count > 0 && requests > failures.Count ? " for those namespaces" : string.Empty)}");
                }

                if (outcome == PrometheusOutcome.Success || requests > failures.Count)
                {
                    _answered++;
                    buffered.ApplyTo(builder, query.Target);
                }
            }
        }

        public UsageHistoryReadResult Finish()
        {
            lock (reader._gate)
            {
                if (_split && _groups is not null)
                {
                    _warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"usage history: queries over {Source}'s sample limit were split into {_groups.Count} namespace groups (raise the server's --query.max-samples or usageHistory.step to avoid it)"));
                }

                if (_nonFinite.Count > 0)
                {
                    _warnings.Add($"usage history: {Source} returned NaN or ±Inf values ({string.Join(", ", _nonFinite.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"))}); those statistics are left out, not counted as numbers");
                }

                foreach (string partial in _partial)
                {
                    _warnings.Add(partial);
                }

                if (_serverWarnings.Count > 0)
                {
                    _warnings.Add($"usage history: {Source} warned: {string.Join("; ", _serverWarnings.Take(5))}{(_serverWarnings.Count > 5 ? "; …" : string.Empty)}");
                }

                UsageHistory? history = _answered == 0 ? null : builder.Build();
                if (history is { Count: 0 })
                {
                    UsageMetricNames m = reader._settings.Metrics;
                    _warnings.Add($"usage history: {Source} has no series for {m.CpuUsage} or {m.MemoryWorkingSet} with labels {reader._settings.Labels.Namespace}, {reader._settings.Labels.Pod}, {reader._settings.Labels.Container} in the window; check usageHistory.metrics, usageHistory.labels and usageHistory.selector");
                }

                _statistics.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                return new UsageHistoryReadResult(history, [.. _warnings], [.. _statistics], Stopped);
            }
        }

        private void Observe(HistoryQuery query, PrometheusAnswer answer)
        {
            lock (reader._gate)
            {
                if (answer.NonFinite > 0)
                {
                    _nonFinite[query.Name] = _nonFinite.GetValueOrDefault(query.Name) + answer.NonFinite;
                }

                foreach (string warning in answer.Warnings.Concat(answer.Infos))
                {
                    _serverWarnings.Add(warning);
                }

                if (answer.Partial && _partial.Count == 0)
                {
                    _partial.Add($"usage history: {Source} answered partially (some of its storage did not respond): containers may be missing and statistics rest on fewer samples");
                }
            }
        }

        private void Stop(HistoryQuery query, PrometheusAnswer answer)
        {
            lock (reader._gate)
            {
                if (Stopped)
                {
                    return;
                }

                Stopped = true;
                _warnings.Add($"usage history: {Source} could not be queried ({query.Name}: {answer.Describe()}); no usage history is used");
            }

            StopToken?.Cancel();
        }

        private List<NamespaceGroup> CurrentGroups()
        {
            lock (reader._gate)
            {
                return _groups is null ? [NamespaceGroup.Everything] : [.. _groups];
            }
        }

        /// <summary>
        /// The halves of a group that was over the limit, recorded for later queries; null when it cannot be split
        /// (a single namespace, or the group of namespaces nobody named).
        /// </summary>
        private async Task<NamespaceGroup[]?> SplitAsync(NamespaceGroup group, CancellationToken cancellationToken)
        {
            if (group.IsEverything)
            {
                List<NamespaceGroup> first = await FirstSplitAsync(cancellationToken).ConfigureAwait(false);
                lock (reader._gate)
                {
                    _split = true;
                    _groups ??= first;
                    return [.. _groups];
                }
            }

            if (group.IsRest || group.Namespaces.Count < 2)
            {
                return null;
            }

            int half = HalfBySeries(group.Namespaces, group.Series);
            var a = new NamespaceGroup(group.Namespaces.Take(half).ToList(), group.Series.Take(half).ToList(), false);
            var b = new NamespaceGroup(group.Namespaces.Skip(half).ToList(), group.Series.Skip(half).ToList(), false);
            lock (reader._gate)
            {
                _split = true;
                if (_groups is not null)
                {
                    int at = _groups.FindIndex(g => g.Namespaces.SequenceEqual(group.Namespaces, StringComparer.Ordinal) && g.IsRest == group.IsRest);
                    if (at >= 0)
                    {
                        _groups[at] = a;
                        _groups.Insert(at + 1, b);
                    }
                }
            }

            return [a, b];
        }

        /// <summary>Two groups balanced by series count, plus the rest (namespaces neither the server nor the snapshot named).</summary>
        private async Task<List<NamespaceGroup>> FirstSplitAsync(CancellationToken cancellationToken)
        {
            var counts = new SeriesCountSink(reader._settings.Labels.Namespace);
            PrometheusAnswer answer = await reader._client.QueryAsync(queries.SeriesPerNamespace, end, counts, cancellationToken).ConfigureAwait(false);
            var series = new SortedDictionary<string, long>(StringComparer.Ordinal);
            if (answer.IsSuccess)
            {
                foreach ((string ns, long count) in counts.Counts)
                {
                    series[ns] = count;
                }
            }

            foreach (string ns in snapshotNamespaces)
            {
                series.TryAdd(ns, 1);
            }

            List<string> names = [.. series.Keys];
            List<long> weights = [.. series.Values];
            if (names.Count < 2)
            {
                return names.Count == 0 ? [NamespaceGroup.Everything] : [new NamespaceGroup(names, weights, false), NamespaceGroup.RestOf(names)];
            }

            int half = HalfBySeries(names, weights);
            return
            [
                new NamespaceGroup(names.Take(half).ToList(), weights.Take(half).ToList(), false),
                new NamespaceGroup(names.Skip(half).ToList(), weights.Skip(half).ToList(), false),
                NamespaceGroup.RestOf(names),
            ];
        }

        private static int HalfBySeries(IReadOnlyList<string> names, IReadOnlyList<long> weights)
        {
            long total = weights.Sum();
            long running = 0;
            for (int i = 0; i < names.Count - 1; i++)
            {
                running += weights[i];
                if (running * 2 >= total)
                {
                    return i + 1;
                }
            }

            return Math.Max(1, names.Count - 1);
        }
    }

    /// <summary>Namespaces queried together, with their series counts; or every namespace; or every namespace not named.</summary>
    private sealed record NamespaceGroup(IReadOnlyList<string> Namespaces, IReadOnlyList<long> Series, bool IsRest)
    {
        public static readonly NamespaceGroup Everything = new([], [], false);

        public bool IsEverything => Namespaces.Count == 0 && !IsRest;

        public static NamespaceGroup RestOf(IReadOnlyList<string> named) => new(named, [], true);

        public string Matcher(UsageHistoryQueries queries) => IsEverything ? string.Empty : queries.NamespaceMatcher(Namespaces, IsRest);

        public string Describe() => IsEverything ? string.Empty
            : IsRest ? "namespaces not in the snapshot"
            : Namespaces.Count == 1 ? $"namespace {Namespaces[0]}"
            : $"namespaces {Namespaces[0]}…{Namespaces[^1]}";
    }

    /// <summary>Collects one value per container of a vector answer.</summary>
    private sealed class HistorySink(UsageLabelNames labels) : IPrometheusSeriesSink
    {
        private readonly List<(string Namespace, string Pod, string Container, double Value)> _values = [];

        public IReadOnlyList<string> Labels { get; } = [labels.Namespace, labels.Pod, labels.Container];

        public void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples)
        {
            // A series without the three labels cannot be a container's (a relabelled or aggregated series): left out.
            if (samples.Length == 0 || labels[0] is not { Length: > 0 } ns || labels[1] is not { Length: > 0 } pod || labels[2] is not { Length: > 0 } container)
            {
                return;
            }

            _values.Add((ns, pod, container, samples[^1].Value));
        }

        public void OnScalar(PrometheusSample sample)
        {
        }

        public void Take(HistorySink other) => _values.AddRange(other._values);

        public void ApplyTo(UsageHistoryBuilder builder, HistoryTarget target)
        {
            foreach ((string ns, string pod, string container, double value) in _values)
            {
                int row = builder.Row(ns, pod, container);
                switch (target)
                {
                    case HistoryTarget.CpuP50: builder.SetCpu(row, UsageStatistic.P50, value); break;
                    case HistoryTarget.CpuP95: builder.SetCpu(row, UsageStatistic.P95, value); break;
                    case HistoryTarget.CpuP99: builder.SetCpu(row, UsageStatistic.P99, value); break;
                    case HistoryTarget.CpuMax: builder.SetCpu(row, UsageStatistic.Max, value); break;
                    case HistoryTarget.CpuSamples: builder.SetCpuSamples(row, Count(value)); break;
                    case HistoryTarget.MemoryP50: builder.SetMemory(row, UsageStatistic.P50, value); break;
                    case HistoryTarget.MemoryP95: builder.SetMemory(row, UsageStatistic.P95, value); break;
                    case HistoryTarget.MemoryP99: builder.SetMemory(row, UsageStatistic.P99, value); break;
                    case HistoryTarget.MemoryMax: builder.SetMemory(row, UsageStatistic.Max, value); break;
                    case HistoryTarget.MemorySamples: builder.SetMemorySamples(row, Count(value)); break;
                    case HistoryTarget.Throttling: builder.SetThrottlingRatio(row, value); break;
                    case HistoryTarget.Restarts when double.IsFinite(value): builder.SetRestarts(row, Count(value)); break;
                    case HistoryTarget.OomKills when double.IsFinite(value): builder.SetOomKills(row, Count(value)); break;
                    default: break;
                }
            }
        }

        private static int Count(double value) => double.IsFinite(value) && value > 0 ? (int)Math.Min(int.MaxValue, Math.Round(value)) : 0;
    }

    /// <summary>Series per namespace, for balancing a split.</summary>
    private sealed class SeriesCountSink(string namespaceLabel) : IPrometheusSeriesSink
    {
        public List<(string Namespace, long Count)> Counts { get; } = [];

        public IReadOnlyList<string> Labels { get; } = [namespaceLabel];

        public void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples)
        {
            if (labels[0] is { Length: > 0 } ns && samples.Length > 0 && double.IsFinite(samples[^1].Value))
            {
                Counts.Add((ns, (long)Math.Max(1, samples[^1].Value)));
            }
        }

        public void OnScalar(PrometheusSample sample)
        {
        }
    }
}
