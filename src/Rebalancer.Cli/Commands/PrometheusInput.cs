using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rebalancer.Cli.Hosting;
using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Prometheus;

namespace Rebalancer.Cli.Commands;

/// <summary>The Prometheus settings of <c>plan</c>, <c>run</c> and <c>explain</c> (<c>--prometheus</c>, <c>--history</c>, <c>--prometheus-token-file</c>).</summary>
internal interface IPrometheusSettings
{
    string? Prometheus { get; }

    string? History { get; }

    string? PrometheusTokenFile { get; }
}

/// <summary>A resolved bearer token, or none; <see cref="Warning"/> says why a configured one could not be used here.</summary>
internal sealed record PrometheusTokenResult(string? Token, string? Warning);

/// <summary>
/// Reading Prometheus before planning, as every planning command does it: where the URL comes from (<c>--prometheus</c>,
/// <c>REBALANCER_PROMETHEUS</c>, else the policy's <c>metricsProviders</c>), the window (<c>--history</c>, else
/// <c>usageHistory.window</c>), the token (a file, the policy's secret reference read through the cluster, the pod's
/// service account), then <see cref="PrometheusUsageReader"/>. A URL, token file or CA that cannot be used is a
/// configuration error (exit code 2); a Prometheus that cannot be read is a warning of the plan, which still runs.
/// </summary>
internal static class PrometheusInput
{
    public static IEnumerable<Option> Options() =>
    [
        new Option<string?>("--prometheus")
        {
            Description = "Prometheus base URL (also Thanos Query, Mimir, VictoriaMetrics) for the usage history and LowNodeUtilization's Prometheus source. " +
                "Default: the policy's metricsProviders Prometheus URL; without either, no usage history.",
        },
        new Option<string?>("--history")
        {
            Description = "Usage history window: a Go duration or days/weeks (7d, 36h, 2w); 0 reads no history. Default: the policy's usageHistory.window, 7d.",
        },
        new Option<string?>("--prometheus-token-file")
        {
            Description = "File holding the bearer token for Prometheus. Default: usageHistory.client.tokenFile, the policy's authToken secret (live clusters), the pod's service-account token.",
        },
    ];

    /// <summary>Start-up checks: the URL, the window, the token file, the CA file, and that a plugin needing Prometheus has one.</summary>
    public static void Validate(IPrometheusSettings settings, DeschedulerPolicy? policy, Func<string, string> origin, List<string> problems)
    {
        if (settings.Prometheus is { } url && !IsHttpUrl(url))
        {
            problems.Add($"{origin(nameof(IPrometheusSettings.Prometheus))}: '{url}' is not an absolute http or https URL (e.g. http://prometheus.monitoring.svc:9090)");
        }

        UsageHistorySettings usage = policy?.UsageHistory ?? UsageHistorySettings.Default;
        if (settings.History is { } history)
        {
            if (!Durations.TryParse(history, out TimeSpan window, out string error))
            {
                problems.Add($"{origin(nameof(IPrometheusSettings.History))}: '{history}' is not a duration: {error} (e.g. 7d, 36h, 0 for no history)");
            }
            else if (usage.CheckWindow(window) is string problem)
            {
                problems.Add($"{origin(nameof(IPrometheusSettings.History))}: {problem}");
            }
        }

        if (settings.PrometheusTokenFile is { } tokenFile)
        {
            try
            {
                PrometheusToken.ReadFile(tokenFile, origin(nameof(IPrometheusSettings.PrometheusTokenFile)));
            }
            catch (PrometheusConfigurationException e)
            {
                problems.Add(e.Message);
            }
        }

        if (policy is null)
        {
            return;
        }

        if (settings.Prometheus is null && policy.Prometheus is null && NodeQueries(policy).ToList() is [var user, ..])
        {
            problems.Add($"{user.Path}: LowNodeUtilization's metricsUtilization.source is Prometheus, and no Prometheus is configured: add metricsProviders: [{{source: Prometheus, prometheus: {{url: …}}}}] to the policy or pass --prometheus URL");
        }

        if ((settings.Prometheus ?? policy.Prometheus?.Url.AbsoluteUri) is not null && usage.Client.CaFile is { } caFile)
        {
            try
            {
                PrometheusClient.CheckCaFile(caFile);
            }
            catch (PrometheusConfigurationException e)
            {
                problems.Add($"usageHistory.client.caFile: {e.Message}");
            }
        }
    }

    /// <summary>
    /// The bearer token, in order: <c>--prometheus-token-file</c>, <c>usageHistory.client.tokenFile</c>, the policy's
    /// <c>authToken.secretReference</c> (read through <paramref name="connection"/>; without a cluster it cannot be read,
    /// which is a warning), the pod's service-account token. Null when there is none.
    /// </summary>
    /// <exception cref="PrometheusConfigurationException">A file or secret that is named cannot be used.</exception>
    /// <exception cref="ClusterReadException">The cluster could not be reached to read the secret.</exception>
    public static async Task<PrometheusTokenResult> ResolveTokenAsync(
        IPrometheusSettings settings, DeschedulerPolicy policy, Func<string, string> origin, KubernetesConnection? connection, CancellationToken cancellationToken)
    {
        if (Url(settings, policy) is null)
        {
            return new PrometheusTokenResult(null, null);
        }

        if (settings.PrometheusTokenFile is { } file)
        {
            return new PrometheusTokenResult(PrometheusToken.ReadFile(file, origin(nameof(IPrometheusSettings.PrometheusTokenFile))), null);
        }

        if (policy.UsageHistory.Client.TokenFile is { } policyFile)
        {
            return new PrometheusTokenResult(PrometheusToken.ReadFile(policyFile, "usageHistory.client.tokenFile"), null);
        }

        int provider = policy.MetricsProviders.ToList().FindIndex(p => p.Source == MetricsSource.Prometheus);
        if (provider >= 0 && policy.MetricsProviders[provider].Prometheus?.AuthTokenSecret is { } secret)
        {
            string path = $"metricsProviders[{provider}].prometheus.authToken.secretReference";
            if (connection is null)
            {
                return new PrometheusTokenResult(null,
                    $"{path} ({secret.Namespace}/{secret.Name}) is read through the cluster, and this plan reads none: Prometheus is queried without a token (give --prometheus-token-file, or plan a live cluster)");
            }

            return new PrometheusTokenResult(await PrometheusToken.ReadSecretAsync(connection, secret, path, cancellationToken).ConfigureAwait(false), null);
        }

        return new PrometheusTokenResult(PrometheusToken.ReadServiceAccountToken(), null);
    }

    /// <summary>
    /// Reads the usage history and LowNodeUtilization's node values at <paramref name="now"/>; <see cref="UsageInputs.None"/>
    /// when no Prometheus is configured. Null with exit code 2 for a setting that cannot be used (written as an error line).
    /// </summary>
    public static async Task<(UsageInputs? Inputs, int ExitCode)> ReadAsync(
        IPrometheusSettings settings, DeschedulerPolicy policy, ClusterSnapshot snapshot, DateTimeOffset now, PrometheusTokenResult token,
        CliConsole console, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        if (Url(settings, policy) is not Uri url)
        {
            return (UsageInputs.None, ExitCodes.Success);
        }

        UsageHistorySettings usage = policy.UsageHistory;
        TimeSpan window = settings.History is { } history && Durations.TryParse(history, out TimeSpan parsed, out _) ? parsed : usage.Window;
        string[] nodeQueries = [.. NodeQueries(policy).Select(q => q.Query).Distinct(StringComparer.Ordinal)];
        if (window == TimeSpan.Zero && nodeQueries.Length == 0)
        {
            return (UsageInputs.None, ExitCodes.Success);
        }

        bool inCluster = File.Exists(PrometheusToken.ServiceAccountCaFile);
        var endpoint = new PrometheusEndpoint
        {
            Url = url,
            BearerToken = token.Token,
            CaFile = usage.Client.CaFile,
            ExtraCaFiles = inCluster ? [PrometheusToken.ServiceAccountCaFile] : [],
            InsecureSkipVerify = usage.Client.InsecureSkipVerify,
            Timeout = usage.Client.Timeout,
            Headers = usage.Client.Headers,
            UserAgent = "rebalancer/" + CliApp.Version,
        };

        PrometheusClient client;
        try
        {
            client = new PrometheusClient(endpoint, time);
        }
        catch (PrometheusConfigurationException e)
        {
            await console.Error.WriteLineAsync("error: usageHistory.client.caFile: " + e.Message).ConfigureAwait(false);
            return (null, ExitCodes.InvalidInput);
        }

        using (client)
        {
            var request = new PrometheusReadRequest
            {
                End = now,
                HistoryWindow = window,
                NodeQueries = nodeQueries,
                Namespaces = Namespaces(snapshot),
            };
            long started = time.GetTimestamp();
            PrometheusReadResult result = await PrometheusUsageReader.ReadAsync(client, usage, request, cancellationToken).ConfigureAwait(false);
            UsageInputs inputs = result.Inputs;
            if (token.Warning is not null)
            {
                inputs = inputs with { Warnings = [token.Warning, .. inputs.Warnings] };
            }

            Log.PrometheusRead(logger, endpoint.Description, inputs.History?.Count ?? 0, window == TimeSpan.Zero ? "off" : Durations.Format(window),
                nodeQueries.Length, result.Queries.Sum(q => q.Requests), (long)time.GetElapsedTime(started).TotalMilliseconds);
            foreach (string warning in inputs.Warnings)
            {
                Log.PrometheusWarning(logger, endpoint.Description, warning);
            }

            Activity.Current?.SetTag(Kubernetes.Telemetry.SpanAttributes.PrometheusContainers, inputs.History?.Count);
            return (inputs, ExitCodes.Success);
        }
    }

    /// <summary>
    /// <see cref="ResolveTokenAsync"/> with its failures reported: a token source that cannot be used is an error line
    /// and exit code 2; a cluster that cannot be reached for the secret is logged, exit code 1.
    /// </summary>
    public static async Task<(PrometheusTokenResult? Token, int ExitCode)> TryResolveTokenAsync(
        IPrometheusSettings settings, DeschedulerPolicy policy, SettingsOrigins origins, KubernetesConnection? connection,
        CliConsole console, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return (await ResolveTokenAsync(settings, policy, key => origins[key], connection, cancellationToken).ConfigureAwait(false), ExitCodes.Success);
        }
        catch (PrometheusConfigurationException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return (null, ExitCodes.InvalidInput);
        }
        catch (ClusterReadException e)
        {
            Log.ClusterUnreadable(logger, connection?.Description ?? "cluster", e.Message);
            return (null, ExitCodes.Failure);
        }
    }

    /// <summary>The token (unless given) then the read: what <c>plan</c> and <c>run</c> do before planning.</summary>
    public static async Task<(UsageInputs? Inputs, int ExitCode)> PrepareAsync(
        IPrometheusSettings settings, DeschedulerPolicy policy, SettingsOrigins origins, KubernetesConnection? connection, ClusterSnapshot snapshot,
        DateTimeOffset now, CliConsole console, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        (PrometheusTokenResult? token, int exitCode) = await TryResolveTokenAsync(settings, policy, origins, connection, console, logger, cancellationToken).ConfigureAwait(false);
        return token is null
            ? (null, exitCode)
            : await ReadAsync(settings, policy, snapshot, now, token, console, time, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the policy or the options configure a Prometheus at all.</summary>
    public static bool Configured(IPrometheusSettings settings, DeschedulerPolicy policy) => Url(settings, policy) is not null;

    private static Uri? Url(IPrometheusSettings settings, DeschedulerPolicy policy) =>
        settings.Prometheus is { } text && IsHttpUrl(text) ? new Uri(text) : policy.Prometheus?.Url;

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    /// <summary>The LowNodeUtilization plugins with a Prometheus source: their query and where they were configured.</summary>
    private static IEnumerable<(string Query, string Path)> NodeQueries(DeschedulerPolicy policy) =>
        policy.Profiles
            .SelectMany(p => p.Deschedule.Concat(p.Balance))
            .Where(c => c.Settings is LowNodeUtilizationSettings { MetricsSource: MetricsUtilizationSource.Prometheus, PrometheusQuery: not null })
            .Select(c => (((LowNodeUtilizationSettings)c.Settings).PrometheusQuery!, c.Path));

    private static string[] Namespaces(ClusterSnapshot snapshot)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (int pod = 0; pod < snapshot.Pods.Count; pod++)
        {
            names.Add(snapshot.Strings[snapshot.Pods.Namespace[pod]]);
        }

        return [.. names];
    }
}
