using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Hosting;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// <c>rebalancer explain NAMESPACE/NAME</c>: plan a snapshot file or the live cluster and print everything the plan says
/// about one pod (docs/explain.md). Never evicts: the live form reads the cluster and plans, nothing more.
/// </summary>
public static class ExplainCommand
{
    internal const string Mode = "explain";

    public static Command Create(CliConsole console) => Create(CliContext.ForProcess(console));

    internal static Command Create(CliContext cli)
    {
        var pod = new Argument<string>("pod")
        {
            Description = "The pod to explain, as NAMESPACE/NAME.",
        };
        var snapshot = new Option<string?>("--snapshot")
        {
            Description = "Snapshot file to plan ('-' reads stdin). Give this or --kubeconfig/--context.",
        };
        var policy = new Option<string?>("--policy")
        {
            Description = "DeschedulerPolicy file (descheduler/v1alpha2, YAML or JSON). Default: the built-in policy (docs/policy.md).",
        };
        var output = new Option<string>("--output")
        {
            Description = $"Format: {string.Join(", ", ExplainRenderer.Formats)}.",
            DefaultValueFactory = _ => ExplainRenderer.Text,
        };
        output.AcceptOnlyFromAmong([.. ExplainRenderer.Formats]);
        var now = new Option<string?>("--now")
        {
            Description = $"Pin the clock (RFC 3339 with a zone, e.g. {PinnedClock.Example}) so pod ages and the plan are reproducible. Default: the current time.",
        };

        var command = new Command("explain", "Plan a snapshot or the live cluster and explain what the plan does with one pod, and why. Never evicts.")
        {
            pod, snapshot, LiveCommandSupport.Kubeconfig(), LiveCommandSupport.Context(), policy, output, now,
            LiveCommandSupport.PageSize(), CommonOptions.TraceConsole(),
        };
        foreach (Option option in PrometheusInput.Options())
        {
            command.Options.Add(option);
        }

        // Arguments are not settings (the host binds options and REBALANCER_* variables): the pod is handed over as a service.
        command.SetAction((parse, cancellationToken) =>
        {
            var target = new ExplainTarget(parse.GetValue(pod) ?? string.Empty);
            CliContext withTarget = cli with
            {
                ConfigureServices = services =>
                {
                    services.AddSingleton(target);
                    cli.ConfigureServices?.Invoke(services);
                },
            };
            return CommandHost.RunAsync<ExplainSettings, ExplainSettingsValidator, ExplainHandler>(withTarget, parse, cancellationToken, SnapshotPrefetch.Start);
        });
        return command;
    }
}

/// <summary>The pod argument, <c>NAMESPACE/NAME</c>.</summary>
internal sealed record ExplainTarget(string Text)
{
    /// <summary>True when the text is exactly one non-empty namespace and one non-empty name.</summary>
    public bool TryParse(out string @namespace, out string name)
    {
        int slash = Text.IndexOf('/', StringComparison.Ordinal);
        bool valid = slash > 0 && slash < Text.Length - 1 && Text.IndexOf('/', slash + 1) < 0;
        @namespace = valid ? Text[..slash] : string.Empty;
        name = valid ? Text[(slash + 1)..] : string.Empty;
        return valid;
    }
}

/// <summary>The settings of <c>rebalancer explain</c>, from its options or <c>REBALANCER_*</c> variables.</summary>
internal sealed class ExplainSettings : CommandSettings, IPrometheusSettings
{
    public string? Prometheus { get; set; }

    public string? History { get; set; }

    public string? PrometheusTokenFile { get; set; }

    public string? Snapshot { get; set; }

    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public string? Policy { get; set; }

    public string Output { get; set; } = ExplainRenderer.Text;

    public string? Now { get; set; }

    public int PageSize { get; set; } = 500;

    public bool Live => Snapshot is null;

    public DateTimeOffset? PinnedNow => PinnedClock.Parse(Now);
}

internal sealed class ExplainSettingsValidator(SettingsValues values, IConfiguration configuration, PolicyStore policies, ExplainTarget target)
    : SettingsValidator<ExplainSettings>(values, configuration)
{
    protected override void Validate(ExplainSettings settings, List<string> problems)
    {
        if (!target.TryParse(out _, out _))
        {
            problems.Add($"pod: '{target.Text}' is not NAMESPACE/NAME (e.g. shop/web-7d9c-abcde)");
        }

        bool live = settings.Kubeconfig is not null || settings.Context is not null;
        if (settings.Snapshot is null && !live)
        {
            problems.Add("give a snapshot file (--snapshot FILE) or a cluster (--kubeconfig FILE, --context NAME) to explain the pod in");
        }
        else if (settings.Snapshot is not null && live)
        {
            string cluster = settings.Kubeconfig is not null ? Origin(nameof(ExplainSettings.Kubeconfig)) : Origin(nameof(ExplainSettings.Context));
            problems.Add($"{Origin(nameof(ExplainSettings.Snapshot))} and {cluster}: give a snapshot file or a cluster, not both");
        }

        if (settings.Snapshot is not null && InputFile.Check(settings.Snapshot, Origin(nameof(ExplainSettings.Snapshot))) is string missing)
        {
            problems.Add(missing);
        }

        if (settings.Now is not null && settings.PinnedNow is null)
        {
            problems.Add(PinnedClock.Problem(settings.Now, Origin(nameof(ExplainSettings.Now))));
        }

        if (!ExplainRenderer.Formats.Contains(settings.Output.ToLowerInvariant()))
        {
            problems.Add($"{Origin(nameof(ExplainSettings.Output))}: '{settings.Output}' is not one of {string.Join(", ", ExplainRenderer.Formats)}");
        }

        if (settings.PageSize < 1)
        {
            problems.Add($"{Origin(nameof(ExplainSettings.PageSize))}: must be at least 1");
        }

        if (InputFile.BothStandardInput(settings.Snapshot, Origin(nameof(ExplainSettings.Snapshot)), settings.Policy, Origin(nameof(ExplainSettings.Policy))) is string stdin)
        {
            // Not loaded: the policy would take standard input from the snapshot.
            problems.Add(stdin);
        }
        else if (policies.Load(settings.Policy, Origin(nameof(ExplainSettings.Policy))) is string problem)
        {
            problems.Add(problem);
        }

        PrometheusInput.Validate(settings, policies.Loaded?.Policy, Origin, problems);
    }
}

/// <summary>Loads the snapshot or reads the cluster, plans, explains the pod. No executor is ever created.</summary>
internal sealed class ExplainHandler(
    IOptions<ExplainSettings> options, ExplainTarget target, PolicyStore policies, CliConsole console, TimeProvider time, SettingsOrigins origins,
    RunDependencies dependencies, TerminalProgress progress, Telemetry.RebalancerMetrics metrics, SnapshotPrefetch prefetch,
    ILogger<ExplainHandler> logger) : ICommandHandler
{
    public async Task<int> RunAsync(Activity? root, CancellationToken cancellationToken)
    {
        ExplainSettings settings = options.Value;
        LoadedPolicy policy = policies.Policy;
        if (!target.TryParse(out string @namespace, out string name))
        {
            return ExitCodes.InvalidInput; // unreachable: the validator rejected it at start
        }

        foreach (ConfigProblem warning in policy.Policy.Warnings)
        {
            Log.PolicyWarning(logger, policy.Source, warning.ToString());
        }

        (ClusterSnapshot? snapshot, string source, IReadOnlyList<string> inputWarnings, PrometheusTokenResult? token, int exitCode) = settings.Live
            ? await ReadClusterAsync(settings, policy.Policy, root, cancellationToken).ConfigureAwait(false)
            : await LoadSnapshotAsync(settings, policy.Policy, cancellationToken).ConfigureAwait(false);
        if (snapshot is null || token is null)
        {
            return exitCode;
        }

        PlanStep.DescribeRun(root, ExplainCommand.Mode, source, policy);

        // Look the pod up before planning: a typo should not cost a whole plan.
        int pod = PodExplanation.FindPod(snapshot, @namespace, name);
        if (pod < 0)
        {
            await console.Error.WriteLineAsync($"error: pod {@namespace}/{name} is not in {(settings.Live ? "the cluster " : "the snapshot ")}{source}{Elsewhere(snapshot, name)}")
                .ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failure;
        }

        DateTimeOffset now = settings.PinnedNow ?? time.GetUtcNow();
        List<ReportMessage> warnings = SnapshotInput.ReportWarnings(inputWarnings, source);
        if (settings.PinnedNow is { } pinned && PinnedClock.BeforeSnapshot(snapshot, pinned, origins[nameof(ExplainSettings.Now)]) is string early)
        {
            Log.ClockWarning(logger, early);
            warnings.Add(new ReportMessage(null, null, early, ReportMessage.ClockSource));
        }

        (UsageInputs? usage, int usageExitCode) = await PrometheusInput.ReadAsync(
            settings, policy.Policy, snapshot, now, token, console, time, logger, cancellationToken).ConfigureAwait(false);
        if (usage is null)
        {
            return usageExitCode;
        }

        PlanningSettings planning = policy.Policy.ToPlanningSettings() with { Usage = usage };
        (Plan plan, _) = PlanStep.Create(snapshot, planning, now, ExplainCommand.Mode, time, progress, metrics, logger);
        PlanStep.Describe(root, plan);
        PodExplanation explanation = PodExplanation.Explain(plan, planning, pod);
        var report = ExplainReport.From(plan, explanation,
            new ReportContext(ExplainCommand.Mode, source, policy.Source, policy.Digest, CliApp.Version) { Warnings = warnings });
        ExplainRenderer.Render(settings.Output, report, console.Out, console.ReportOptions);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>", but it is in namespace(s) a, b" when pods of that name exist elsewhere: the usual mistake is the namespace.</summary>
    private static string Elsewhere(ClusterSnapshot snapshot, string name)
    {
        List<string> namespaces = Enumerable.Range(0, snapshot.Pods.Count)
            .Where(p => snapshot.Pods.Name.ValueEquals(p, name))
            .Select(p => snapshot.Strings[snapshot.Pods.Namespace[p]])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Take(5)
            .ToList();
        return namespaces.Count == 0 ? string.Empty : $" (a pod of that name is in namespace {string.Join(", ", namespaces)})";
    }

    private async Task<(ClusterSnapshot? Snapshot, string Source, IReadOnlyList<string> Warnings, PrometheusTokenResult? Token, int ExitCode)> LoadSnapshotAsync(
        ExplainSettings settings, DeschedulerPolicy policy, CancellationToken cancellationToken)
    {
        string path = settings.Snapshot!;
        SnapshotLoadResult? loaded = await SnapshotInput.LoadAsync(path, origins[nameof(ExplainSettings.Snapshot)], console, time, logger, prefetch)
            .ConfigureAwait(false);
        if (loaded is null)
        {
            return (null, SnapshotInput.SourceOf(path), [], null, ExitCodes.InvalidInput);
        }

        (PrometheusTokenResult? token, int exitCode) = await PrometheusInput.TryResolveTokenAsync(settings, policy, origins, null, console, logger, cancellationToken).ConfigureAwait(false);
        return (loaded.Snapshot, SnapshotInput.SourceOf(path), loaded.Warnings, token, exitCode);
    }

    private async Task<(ClusterSnapshot? Snapshot, string Source, IReadOnlyList<string> Warnings, PrometheusTokenResult? Token, int ExitCode)> ReadClusterAsync(
        ExplainSettings settings, DeschedulerPolicy policy, Activity? root, CancellationToken cancellationToken)
    {
        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            dependencies.Connect, settings.Kubeconfig, settings.Context, console, logger, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return (null, string.Empty, [], null, exitCode);
        }

        using (connection)
        {
            // Read exactly what `run` reads, so the explanation is of the plan `run` would make.
            string? metricsUser = RunCommand.MetricsUser(policy);
            var readerOptions = new ClusterReaderOptions
            {
                PageSize = settings.PageSize,
                Metrics = metricsUser is null ? MetricsRequirement.Optional : MetricsRequirement.Required,
                MetricsRequiredBy = metricsUser,
                IncludePersistentVolumeClaims = policy.Profiles.Any(p => p.Evictor.ProtectedStorageClasses.Count > 0),
            };
            (ClusterReadResult? read, int readExitCode) = await LiveCommandSupport.ReadClusterAsync(
                connection, readerOptions, progress, time, logger, root, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                return (null, connection.Description, [], null, readExitCode);
            }

            // The policy's token secret is read while the connection is open.
            (PrometheusTokenResult? token, int tokenExitCode) = await PrometheusInput.TryResolveTokenAsync(
                settings, policy, origins, connection, console, logger, cancellationToken).ConfigureAwait(false);
            return (read.Snapshot, connection.Description, read.Warnings, token, tokenExitCode);
        }
    }
}
