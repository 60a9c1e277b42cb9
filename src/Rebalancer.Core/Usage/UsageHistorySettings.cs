using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Usage;

/// <summary>
/// The policy's <c>usageHistory</c> block, a Rebalancer extension (the descheduler ignores unknown top-level keys, so a
/// policy with it still loads there): the history window and resolution, the metric and label names to query (clusters
/// relabel), extra series matchers, and how to talk to Prometheus (CA, token file, timeout, headers). Every field has a
/// default (docs/right-sizing.md); the Prometheus URL itself comes from <c>metricsProviders</c> or <c>--prometheus</c>.
/// </summary>
public sealed record UsageHistorySettings
{
    public static readonly UsageHistorySettings Default = new();

    /// <summary>Windows longer than this are refused: no Prometheus keeps that much at a useful resolution.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);

    /// <summary>Samples per container per window above this are refused (window / step).</summary>
    public const long MaxSamplesPerWindow = 100_000;

    /// <summary><c>window</c>: how far back the history reaches (<c>--history</c> overrides it; 0 turns the history off).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(7);

    /// <summary><c>step</c>: the statistics' resolution (one sample per step, the subquery step).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>rateWindow</c>: the range of <c>rate()</c> over the cpu counter; at least two scrape intervals.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>selector</c>: extra matchers for the cAdvisor series, e.g. <c>job="kubelet", metrics_path="/metrics/cadvisor"</c>.</summary>
    public string Selector { get; init; } = string.Empty;

    public UsageMetricNames Metrics { get; init; } = new();

    public UsageLabelNames Labels { get; init; } = new();

    public PrometheusClientSettings Client { get; init; } = new();

    /// <summary>Binds <c>usageHistory</c> at <paramref name="path"/>; problems go to <paramref name="problems"/>.</summary>
    public static UsageHistorySettings Bind(PolicyNode? node, string path, ConfigProblems problems)
    {
        if (node is null)
        {
            return Default;
        }

        var reader = new ArgsReader(node, problems, path);
        TimeSpan window = ReadDuration(reader, "window", Default.Window, allowZero: true);
        TimeSpan step = ReadDuration(reader, "step", Default.Step, allowZero: false);
        TimeSpan rateWindow = ReadDuration(reader, "rateWindow", Default.RateWindow, allowZero: false);
        string selector = reader.String("selector") ?? string.Empty;
        if (!PromQLText.TryParseMatchers(selector, out string matcherError))
        {
            problems.Add(reader.FieldPath("selector"), $"'{selector}' is not a list of label matchers ({matcherError}); e.g. job=\"kubelet\", metrics_path=\"/metrics/cadvisor\"");
        }

        UsageMetricNames metrics = UsageMetricNames.Bind(reader.Child("metrics"), reader.FieldPath("metrics"), problems);
        UsageLabelNames labels = UsageLabelNames.Bind(reader.Child("labels"), reader.FieldPath("labels"), problems);
        PrometheusClientSettings client = PrometheusClientSettings.Bind(reader.Child("client"), reader.FieldPath("client"), problems);
        reader.RejectUnknown();

        var settings = new UsageHistorySettings
        {
            Window = window,
            Step = step,
            RateWindow = rateWindow,
            Selector = selector.Trim(),
            Metrics = metrics,
            Labels = labels,
            Client = client,
        };
        if (settings.CheckWindow(window) is string problem)
        {
            problems.Add(reader.FieldPath("window"), problem);
        }

        return settings;
    }

    /// <summary>
    /// Why <paramref name="window"/> cannot be used with this step (null when it can): 0 (history off) or at least one
    /// step, at most <see cref="MaxWindow"/> and <see cref="MaxSamplesPerWindow"/> steps, whole seconds.
    /// </summary>
    public string? CheckWindow(TimeSpan window)
    {
        if (window == TimeSpan.Zero)
        {
            return null;
        }

        if (window < TimeSpan.Zero)
        {
            return "must not be negative (0 turns the usage history off)";
        }

        if (window.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return "must be whole seconds";
        }

        if (window > MaxWindow)
        {
            return $"{Durations.Format(window)} is longer than the maximum {Durations.Format(MaxWindow)}";
        }

        if (window < Step)
        {
            return $"{Durations.Format(window)} is shorter than usageHistory.step {Durations.Format(Step)}";
        }

        return window.Ticks / Step.Ticks > MaxSamplesPerWindow
            ? $"{Durations.Format(window)} at step {Durations.Format(Step)} is more than {MaxSamplesPerWindow} samples per container; raise usageHistory.step"
            : null;
    }

    internal static TimeSpan ReadDuration(ArgsReader reader, string key, TimeSpan fallback, bool allowZero)
    {
        string? text = reader.String(key);
        if (text is null)
        {
            return fallback;
        }

        string path = reader.FieldPath(key);
        if (!Durations.TryParse(text, out TimeSpan value, out string error))
        {
            reader.Problems.Add(path, $"'{text}' is not a duration: {error} (e.g. 7d, 36h, 5m)");
            return fallback;
        }

        if (value < TimeSpan.Zero || (value == TimeSpan.Zero && !allowZero))
        {
            reader.Problems.Add(path, $"'{text}' must be positive");
            return fallback;
        }

        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            reader.Problems.Add(path, $"'{text}' must be whole seconds");
            return fallback;
        }

        return value;
    }
}

/// <summary><c>usageHistory.metrics</c>: the metric names queried (defaults: cAdvisor's and kube-state-metrics').</summary>
public sealed record UsageMetricNames
{
    public string CpuUsage { get; init; } = "container_cpu_usage_seconds_total";

    public string MemoryWorkingSet { get; init; } = "container_memory_working_set_bytes";

    public string CpuThrottledPeriods { get; init; } = "container_cpu_cfs_throttled_periods_total";

    public string CpuPeriods { get; init; } = "container_cpu_cfs_periods_total";

    public string LastTerminatedReason { get; init; } = "kube_pod_container_status_last_terminated_reason";

    public string Restarts { get; init; } = "kube_pod_container_status_restarts_total";

    internal static UsageMetricNames Bind(PolicyNode? node, string path, ConfigProblems problems)
    {
        var defaults = new UsageMetricNames();
        if (node is null)
        {
            return defaults;
        }

        var reader = new ArgsReader(node, problems, path);
        var names = new UsageMetricNames
        {
            CpuUsage = Name(reader, "cpuUsage", defaults.CpuUsage),
            MemoryWorkingSet = Name(reader, "memoryWorkingSet", defaults.MemoryWorkingSet),
            CpuThrottledPeriods = Name(reader, "cpuThrottledPeriods", defaults.CpuThrottledPeriods),
            CpuPeriods = Name(reader, "cpuPeriods", defaults.CpuPeriods),
            LastTerminatedReason = Name(reader, "lastTerminatedReason", defaults.LastTerminatedReason),
            Restarts = Name(reader, "restarts", defaults.Restarts),
        };
        reader.RejectUnknown();
        return names;
    }

    private static string Name(ArgsReader reader, string key, string fallback)
    {
        string? name = reader.String(key);
        if (name is null)
        {
            return fallback;
        }

        if (!PromQLText.IsMetricName(name))
        {
            reader.Problems.Add(reader.FieldPath(key), $"'{name}' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
            return fallback;
        }

        return name;
    }
}

/// <summary><c>usageHistory.labels</c>: the label names that identify a container (cAdvisor and kube-state-metrics use the same).</summary>
public sealed record UsageLabelNames
{
    public string Namespace { get; init; } = "namespace";

    public string Pod { get; init; } = "pod";

    public string Container { get; init; } = "container";

    internal static UsageLabelNames Bind(PolicyNode? node, string path, ConfigProblems problems)
    {
        var defaults = new UsageLabelNames();
        if (node is null)
        {
            return defaults;
        }

        var reader = new ArgsReader(node, problems, path);
        var names = new UsageLabelNames
        {
            Namespace = Name(reader, "namespace", defaults.Namespace),
            Pod = Name(reader, "pod", defaults.Pod),
            Container = Name(reader, "container", defaults.Container),
        };
        reader.RejectUnknown();
        if (names.Namespace == names.Pod || names.Namespace == names.Container || names.Pod == names.Container)
        {
            problems.Add(path, $"namespace, pod and container must be three different labels (got {names.Namespace}, {names.Pod}, {names.Container})");
        }

        return names;
    }

    private static string Name(ArgsReader reader, string key, string fallback)
    {
        string? name = reader.String(key);
        if (name is null)
        {
            return fallback;
        }

        if (!PromQLText.IsLabelName(name))
        {
            reader.Problems.Add(reader.FieldPath(key), $"'{name}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
            return fallback;
        }

        return name;
    }
}

/// <summary>
/// <c>usageHistory.client</c>: how requests reach Prometheus (and Thanos Query, Mimir, VictoriaMetrics): a CA bundle,
/// a bearer token file, <c>insecureSkipVerify</c> (reported as a warning), the per-query timeout, extra headers (e.g.
/// Mimir's <c>X-Scope-OrgID</c>) and how many queries run at once. Applies to every Prometheus request, the
/// LowNodeUtilization query included.
/// </summary>
public sealed record PrometheusClientSettings
{
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Content-Type", "Content-Length", "Host", "Accept-Encoding", "Transfer-Encoding", "Connection",
    };

    /// <summary><c>caFile</c>: PEM bundle that signs the server's certificate (instead of the system roots).</summary>
    public string? CaFile { get; init; }

    /// <summary><c>tokenFile</c>: a file holding the bearer token (read at each run, so a rotated token is picked up).</summary>
    public string? TokenFile { get; init; }

    /// <summary><c>insecureSkipVerify</c>: do not verify the server's certificate. Reported as a warning.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary><c>timeout</c>: how long one query may run (sent to the server as its <c>timeout</c> too).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary><c>maxConcurrency</c>: queries in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 2;

    /// <summary><c>headers</c>: extra request headers, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    internal static PrometheusClientSettings Bind(PolicyNode? node, string path, ConfigProblems problems)
    {
        var defaults = new PrometheusClientSettings();
        if (node is null)
        {
            return defaults;
        }

        var reader = new ArgsReader(node, problems, path);
        string? caFile = NonEmpty(reader, "caFile");
        string? tokenFile = NonEmpty(reader, "tokenFile");
        bool insecure = reader.Bool("insecureSkipVerify") ?? false;
        TimeSpan timeout = UsageHistorySettings.ReadDuration(reader, "timeout", defaults.Timeout, allowZero: false);
        int concurrency = (int)(reader.Integer("maxConcurrency", 1, 16) ?? defaults.MaxConcurrency);
        var headers = new List<KeyValuePair<string, string>>();
        if (reader.Child("headers") is { } headersNode)
        {
            if (headersNode.Kind != PolicyNodeKind.Mapping)
            {
                problems.Add(headersNode, "must be a mapping of header names to values, e.g. {X-Scope-OrgID: team-a}");
            }
            else
            {
                foreach ((string name, PolicyNode value) in headersNode.Entries)
                {
                    if (!PromQLText.IsHeaderName(name))
                    {
                        problems.Add(value.Path, $"'{name}' is not an HTTP header name");
                    }
                    else if (ReservedHeaders.Contains(name))
                    {
                        problems.Add(value.Path, $"'{name}' is set by Rebalancer itself" + (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "; give the token with tokenFile, --prometheus-token-file or metricsProviders[].prometheus.authToken" : string.Empty));
                    }
                    else if (value.Kind != PolicyNodeKind.Scalar || value.Scalar!.Any(c => c is '\r' or '\n'))
                    {
                        problems.Add(value, "must be a single-line string");
                    }
                    else
                    {
                        headers.Add(new(name, value.Scalar!));
                    }
                }
            }
        }

        reader.RejectUnknown();
        return new PrometheusClientSettings
        {
            CaFile = caFile,
            TokenFile = tokenFile,
            InsecureSkipVerify = insecure,
            Timeout = timeout,
            MaxConcurrency = concurrency,
            Headers = headers,
        };
    }

    private static string? NonEmpty(ArgsReader reader, string key)
    {
        string? value = reader.String(key);
        if (value is not null && value.Trim().Length == 0)
        {
            reader.Problems.Add(reader.FieldPath(key), "must not be empty (leave the field out instead)");
            return null;
        }

        return value;
    }
}
