using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Hosting;
using Rebalancer.Cli.Telemetry;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Telemetry;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary>What <c>rebalancer run</c> needs from the outside world; tests replace parts of it (registered in the host).</summary>
internal sealed record RunDependencies(
    Func<KubernetesConnectionOptions, KubernetesConnection> Connect,
    Func<KubernetesConnection, EvictionExecutorOptions, TimeProvider, IEvictionExecutor> CreateExecutor)
{
    public static RunDependencies Default { get; } = new(
        KubernetesConnection.Open,
        (connection, options, time) => new EvictionExecutor(new KubernetesEvictionApi(connection, time), options, time));

    /// <summary>The writes outside the executor (the sweep of interrupted drains).</summary>
    public Func<KubernetesConnection, TimeProvider, IEvictionApi> CreateApi { get; init; } = (connection, time) => new KubernetesEvictionApi(connection, time);

    /// <summary>The lease's timing (its namespace comes from <c>--lease-namespace</c> or the connection).</summary>
    public RunLeaseOptions Lease { get; init; } = new();

    public EventRecorderOptions Events { get; init; } = new();
}

/// <summary>
/// <c>rebalancer run</c>: read the live cluster, plan, perform the plan's evictions through the Eviction API (unless a
/// dry run), print the report with each eviction's outcome. Exit 0 when the run completed, even with evictions blocked
/// by PodDisruptionBudgets; 1 when the cluster could not be read or the run aborted; 2 for invalid input.
/// </summary>
public static class RunCommand
{
    internal const string DryRunClient = "client";
    internal const string DryRunServer = "server";

    public static Command Create(CliConsole console) => Create(CliContext.ForProcess(console));

    internal static Command Create(CliContext cli)
    {
        var policy = new Option<string?>("--policy")
        {
            Description = "DeschedulerPolicy file (descheduler/v1alpha2, YAML or JSON). Default: the built-in policy (docs/policy.md).",
        };
        var dryRun = new Option<string?>("--dry-run")
        {
            Description = "Do not evict. 'client' (the default when no value is given): plan only, send nothing. " +
                "'server': send every eviction with dryRun=All so the API server checks it and changes nothing.",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result => result.Tokens.Count == 0 ? DryRunClient : result.Tokens[0].Value,
        };
        var rate = new Option<double>("--max-evictions-per-second")
        {
            Description = "New evictions started per second (default 5).",
            DefaultValueFactory = _ => 5,
        };
        var concurrency = new Option<int>("--max-concurrency")
        {
            Description = "Evictions in flight at once (default 2); evictions under one PodDisruptionBudget never overlap.",
            DefaultValueFactory = _ => 2,
        };
        var pdbRetry = new Option<double>("--pdb-retry-seconds")
        {
            Description = "Keep retrying an eviction its PodDisruptionBudget blocks for up to this many seconds (default 0: report it as blocked).",
            DefaultValueFactory = _ => 0,
        };
        var leaseNamespace = new Option<string?>("--lease-namespace")
        {
            Description = "Namespace of the lease (coordination.k8s.io, named rebalancer) a run holds so that runs never overlap. " +
                "Default: the kubeconfig context's namespace, in a pod its own namespace, else default.",
        };

        var command = new Command("run", "Read the live cluster, plan, and perform the plan's evictions through the Eviction API (or a dry run).")
        {
            LiveCommandSupport.Kubeconfig(), LiveCommandSupport.Context(), policy, dryRun, CommonOptions.Output(), CommonOptions.OutFile(),
            CommonOptions.CreateDirs(), rate, concurrency, pdbRetry, leaseNamespace, LiveCommandSupport.PageSize(), CommonOptions.TraceConsole(),
        };
        foreach (Option option in PrometheusInput.Options())
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) =>
            CommandHost.RunAsync<RunSettings, RunSettingsValidator, RunHandler>(cli, parse, cancellationToken));
        return command;
    }

    /// <summary>The plugin that needs metrics-server data, described for an error message; null when none does.</summary>
    internal static string? MetricsUser(DeschedulerPolicy policy)
    {
        foreach (ProfileConfig profile in policy.Profiles)
        {
            foreach (PluginConfig plugin in profile.Deschedule.Concat(profile.Balance))
            {
                if (plugin.Settings is LowNodeUtilizationSettings { MetricsSource: MetricsUtilizationSource.KubernetesMetrics })
                {
                    return $"profile {profile.Name}: {plugin.Name} uses metricsUtilization.source KubernetesMetrics";
                }
            }
        }

        return null;
    }

    internal static string Summary(string mode, ExecutionResult result)
    {
        string cordons = result.Cordons.Count == 0 ? string.Empty
            : $"; {result.Cordons.Count} node(s) to cordon: {Counts(result.Cordons.Select(c => c.Outcome))}";
        if (result.Outcomes.Count == 0)
        {
            return $"{mode}: the plan has no evictions{cordons}";
        }

        return $"{mode}: {result.Outcomes.Count} planned evictions: {Counts(result.Outcomes.Select(o => o.Outcome))}{cordons}";
    }

    /// <summary>An RFC 1123 label, as namespace names are.</summary>
    internal static bool IsNamespaceName(string name) =>
        name.Length is > 0 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && name[0] != '-' && name[^1] != '-';

    private static string Counts<T>(IEnumerable<T> outcomes)
        where T : struct, Enum =>
        string.Join(", ", outcomes
            .GroupBy(o => o)
            .OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}")));
}

/// <summary>The settings of <c>rebalancer run</c>, from its options or <c>REBALANCER_*</c> variables.</summary>
internal sealed class RunSettings : CommandSettings, IPrometheusSettings
{
    public string? Prometheus { get; set; }

    public string? History { get; set; }

    public string? PrometheusTokenFile { get; set; }

    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public string? Policy { get; set; }

    /// <summary>null for a real run, else <c>client</c> or <c>server</c>.</summary>
    public string? DryRun { get; set; }

    public string Output { get; set; } = "text";

    public string? Out { get; set; }

    public bool CreateDirs { get; set; }

    public double MaxEvictionsPerSecond { get; set; } = 5;

    public int MaxConcurrency { get; set; } = 2;

    public double PdbRetrySeconds { get; set; }

    public int PageSize { get; set; } = 500;

    /// <summary>Where the run's lease is; null: the connection's namespace.</summary>
    public string? LeaseNamespace { get; set; }

    public string Mode => DryRun switch
    {
        RunCommand.DryRunClient => "dry-run-client",
        RunCommand.DryRunServer => "dry-run-server",
        _ => "run",
    };
}

internal sealed class RunSettingsValidator(SettingsValues values, IConfiguration configuration, PolicyStore policies)
    : SettingsValidator<RunSettings>(values, configuration)
{
    protected override void Validate(RunSettings settings, List<string> problems)
    {
        if (settings.DryRun is not (null or RunCommand.DryRunClient or RunCommand.DryRunServer))
        {
            problems.Add($"{Origin(nameof(RunSettings.DryRun))}: '{settings.DryRun}' is not one of client, server");
        }

        PlanSettingsValidator.ValidateOutput(settings.Output, Origin(nameof(RunSettings.Output)), problems);

        // Before the cluster is read: a run must not evict and then find its report has nowhere to go.
        PlanSettingsValidator.ValidateOut(settings.Out, Origin(nameof(RunSettings.Out)), settings.CreateDirs, settings.Output, problems,
            (settings.Policy, Origin(nameof(RunSettings.Policy))), (settings.Kubeconfig, Origin(nameof(RunSettings.Kubeconfig))));
        if (!(settings.MaxEvictionsPerSecond > 0) || double.IsInfinity(settings.MaxEvictionsPerSecond))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Origin(nameof(RunSettings.MaxEvictionsPerSecond))}: must be a positive number (got {settings.MaxEvictionsPerSecond})"));
        }

        if (settings.MaxConcurrency < 1)
        {
            problems.Add($"{Origin(nameof(RunSettings.MaxConcurrency))}: must be at least 1");
        }

        if (settings.PdbRetrySeconds < 0 || double.IsNaN(settings.PdbRetrySeconds) || settings.PdbRetrySeconds > 86400)
        {
            problems.Add($"{Origin(nameof(RunSettings.PdbRetrySeconds))}: must be between 0 and 86400");
        }

        if (settings.PageSize < 1)
        {
            problems.Add($"{Origin(nameof(RunSettings.PageSize))}: must be at least 1");
        }

        if (settings.LeaseNamespace is { } ns && !RunCommand.IsNamespaceName(ns))
        {
            problems.Add($"{Origin(nameof(RunSettings.LeaseNamespace))}: '{ns}' is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)");
        }

        if (policies.Load(settings.Policy, Origin(nameof(RunSettings.Policy))) is string problem)
        {
            problems.Add(problem);
        }

        PrometheusInput.Validate(settings, policies.Loaded?.Policy, Origin, problems);
    }
}

/// <summary>Connects, reads (<c>snapshot.read</c>), plans (<c>plan</c>), executes (<c>evict</c> spans), reports.</summary>
internal sealed class RunHandler(
    IOptions<RunSettings> options, PolicyStore policies, CliConsole console, TimeProvider time, RunDependencies dependencies,
    TerminalProgress progress, RebalancerMetrics metrics, SettingsOrigins origins, ILogger<RunHandler> logger) : ICommandHandler
{
    public async Task<int> RunAsync(Activity? root, CancellationToken cancellationToken)
    {
        RunSettings settings = options.Value;
        LoadedPolicy loadedPolicy = policies.Policy;
        string mode = settings.Mode;
        root?.SetTag(SpanAttributes.Mode, mode);
        foreach (ConfigProblem warning in loadedPolicy.Policy.Warnings)
        {
            Log.PolicyWarning(logger, loadedPolicy.Source, warning.ToString());
        }

        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            dependencies.Connect, settings.Kubeconfig, settings.Context, console, logger, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return exitCode;
        }

        using (connection)
        {
            // A real run takes its lease before reading (dry runs change nothing: they take none), sweeps the drains an
            // interrupted run left, and records events; all of it ends before the report is written.
            await using RunGuards guards = settings.DryRun is null
                ? await RunGuards.StartAsync(connection, dependencies, settings.LeaseNamespace ?? connection.Namespace, loadedPolicy.Policy, time, logger, cancellationToken)
                    .ConfigureAwait(false)
                : RunGuards.None(logger);
            if (guards.Unavailable is { } leaseProblem)
            {
                root?.SetStatus(ActivityStatusCode.Error, leaseProblem);
                return ExitCodes.Failure;
            }

            PlanStep.DescribeRun(root, mode, connection.Description, loadedPolicy);
            root?.SetTag(SpanAttributes.Context, connection.Context);
            DeschedulerPolicy policy = loadedPolicy.Policy;
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
                return readExitCode;
            }

            DateTimeOffset now = time.GetUtcNow();
            (UsageInputs? usage, int usageExitCode) = await PrometheusInput.PrepareAsync(
                settings, policy, origins, connection, read.Snapshot, now, console, time, logger, cancellationToken).ConfigureAwait(false);
            if (usage is null)
            {
                return usageExitCode;
            }

            (Plan plan, PlanTracer tracer) = PlanStep.Create(read.Snapshot, policy.ToPlanningSettings() with { Usage = usage }, now, mode, time, progress, metrics, logger);
            PlanStep.Describe(root, plan);
            ExecutionResult result;
            if (settings.DryRun == RunCommand.DryRunClient)
            {
                result = ExecutionResult.ClientDryRun(plan);
            }
            else if (guards.Held is { } held)
            {
                result = ExecutionResult.NotStarted(plan, held.Describe());
            }
            else
            {
                var executorOptions = new EvictionExecutorOptions
                {
                    Mode = settings.DryRun == RunCommand.DryRunServer ? ExecutionMode.ServerDryRun : ExecutionMode.Evict,
                    GracePeriodSeconds = policy.GracePeriodSeconds,
                    EvictionsPerSecond = settings.MaxEvictionsPerSecond,
                    MaxConcurrency = settings.MaxConcurrency,
                    PdbRetryTimeout = TimeSpan.FromSeconds(settings.PdbRetrySeconds),
                    MaxPodsToEvictPerNode = policy.MaxPodsToEvictPerNode,
                    MaxPodsToEvictPerNamespace = policy.MaxPodsToEvictPerNamespace,
                    MaxPodsToEvictTotal = policy.MaxPodsToEvictTotal,
                    ProposedBy = tracer.ProposedBy,
                    RunId = guards.RunId,
                    Lease = guards.Lease,
                    Observer = guards.Events is { } events ? new ExecutionObservers(new LogObserver(logger), events) : new LogObserver(logger),
                };
                IEvictionExecutor executor = dependencies.CreateExecutor(connection, executorOptions, time);
                using (progress.Executing(plan.Evictions.Count))
                {
                    result = await executor.ExecuteAsync(plan, cancellationToken).ConfigureAwait(false);
                }

                LogCordons(plan, result);
            }

            await guards.FinishAsync().ConfigureAwait(false);

            string[] outcomeNames = [.. result.Outcomes.Select(o => o.Outcome.ToString())];
            metrics.RecordEvictions(plan, outcomeNames, mode);
            foreach (var group in outcomeNames.GroupBy(name => name, StringComparer.Ordinal))
            {
                root?.SetTag(SpanAttributes.EvictionsByOutcomePrefix + group.Key, group.Count());
            }

            Dictionary<int, EvictionOutcome> outcomes = result.ByPod.ToDictionary(
                pair => pair.Key,
                pair => new EvictionOutcome(pair.Value.Outcome.ToString(), pair.Value.Attempts, pair.Value.Message));
            Dictionary<int, CordonOutcome> cordons = result.Cordons.ToDictionary(
                c => c.Node,
                c => new CordonOutcome(c.Outcome.ToString(), c.Attempts, c.HttpStatus, c.Message));
            var context = new ReportContext(mode, connection.Description, loadedPolicy.Source, loadedPolicy.Digest, CliApp.Version)
            {
                // How the cluster was reached and what the run met among other runs, then what the read found.
                Warnings =
                [
                    .. connection.SecurityWarnings.Select(w => new ReportMessage(null, null, w, ReportMessage.ConnectionSource)),
                    .. guards.Warnings.Select(w => new ReportMessage(null, null, w, ReportMessage.RunSource)),
                    .. SnapshotInput.ReportWarnings(read.Warnings, connection.Description),
                ],
            };
            var report = PlanReport.From(plan, context, outcomes, cordons);
            bool written = await ReportOutput.WriteAsync(settings.Output, report, settings.Out, settings.CreateDirs, console, logger).ConfigureAwait(false);
            Log.RunSummary(logger, RunCommand.Summary(mode, result));

            if (result.AbortReason is not null)
            {
                root?.SetStatus(ActivityStatusCode.Error, "the run aborted: " + result.AbortReason);
                Log.RunAborted(logger, result.AbortReason);
                return ExitCodes.Failure;
            }

            if (result.Cancelled)
            {
                root?.SetStatus(ActivityStatusCode.Error, "cancelled");
                Log.RunCancelled(logger);
                return ExitCodes.Failure;
            }

            if (!written)
            {
                // The evictions happened; the report went to standard output or a spare file instead (logged).
                root?.SetStatus(ActivityStatusCode.Error, "the report could not be written where --out says");
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        }
    }

    /// <summary>Each drained node's final state (the evictions and node changes were logged as they happened).</summary>
    private void LogCordons(Plan plan, ExecutionResult result)
    {
        foreach (NodeCordonOutcome cordon in result.Cordons)
        {
            string node = plan.Snapshot.Nodes.Name[cordon.Node];
            if (cordon.Outcome is CordonOutcomeKind.CordonFailed or CordonOutcomeKind.UncordonFailed)
            {
                Log.CordonProblem(logger, cordon.Outcome.ToString(), node, cordon.Describe());
            }
            else
            {
                Log.CordonOutcome(logger, cordon.Outcome.ToString(), node, cordon.Describe());
            }
        }
    }
}
