using System.CommandLine;
using System.Globalization;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary>What <c>rebalancer run</c> needs from the outside world; tests replace parts of it.</summary>
internal sealed record RunDependencies(
    Func<KubernetesConnectionOptions, KubernetesConnection> Connect,
    Func<KubernetesConnection, EvictionExecutorOptions, TimeProvider, IEvictionExecutor> CreateExecutor,
    TimeProvider Time)
{
    public static RunDependencies Default { get; } = new(
        KubernetesConnection.Open,
        (connection, options, time) => new EvictionExecutor(new KubernetesEvictionApi(connection, time), options, time),
        TimeProvider.System);
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

    public static Command Create(CliConsole console) => Create(console, RunDependencies.Default);

    internal static Command Create(CliConsole console, RunDependencies dependencies)
    {
        var kubeconfig = LiveCommandSupport.Kubeconfig();
        var context = LiveCommandSupport.Context();
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
        var output = CommonOptions.Output();
        var outFile = CommonOptions.OutFile();
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
        var pageSize = LiveCommandSupport.PageSize();

        var command = new Command("run", "Read the live cluster, plan, and perform the plan's evictions through the Eviction API (or a dry run).")
        {
            kubeconfig, context, policy, dryRun, output, outFile, rate, concurrency, pdbRetry, pageSize,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            new RunOptions(
                parse.GetValue(kubeconfig),
                parse.GetValue(context),
                parse.GetValue(policy),
                parse.GetResult(dryRun) is null ? null : parse.GetValue(dryRun) ?? DryRunClient,
                parse.GetValue(output)!,
                parse.GetValue(outFile),
                parse.GetValue(rate),
                parse.GetValue(concurrency),
                parse.GetValue(pdbRetry),
                parse.GetValue(pageSize)),
            dependencies,
            cancellationToken));
        return command;
    }

    /// <param name="DryRun">null for a real run, else <c>client</c> or <c>server</c>.</param>
    internal sealed record RunOptions(
        string? Kubeconfig,
        string? Context,
        string? Policy,
        string? DryRun,
        string Output,
        string? OutFile,
        double EvictionsPerSecond = 5,
        int MaxConcurrency = 2,
        double PdbRetrySeconds = 0,
        int PageSize = 500);

    internal static async Task<int> RunAsync(CliConsole console, RunOptions options, RunDependencies dependencies, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(console, options).ConfigureAwait(false) is int invalid)
        {
            return invalid;
        }

        LoadedPolicy loadedPolicy;
        try
        {
            loadedPolicy = LoadedPolicy.Load(options.Policy, console);
        }
        catch (ConfigException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync("error: --policy: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        foreach (ConfigProblem warning in loadedPolicy.Policy.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {loadedPolicy.Source}: {warning}").ConfigureAwait(false);
        }

        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            dependencies.Connect, options.Kubeconfig, options.Context, console, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return exitCode;
        }

        using (connection)
        {
            DeschedulerPolicy policy = loadedPolicy.Policy;
            string? metricsUser = MetricsUser(policy);
            var readerOptions = new ClusterReaderOptions
            {
                PageSize = options.PageSize,
                Metrics = metricsUser is null ? MetricsRequirement.Optional : MetricsRequirement.Required,
                MetricsRequiredBy = metricsUser,
                IncludePersistentVolumeClaims = policy.Profiles.Any(p => p.Evictor.ProtectedStorageClasses.Count > 0),
            };

            ClusterReadResult read;
            try
            {
                read = await new ClusterReader(connection, readerOptions, LiveCommandSupport.ProgressFor(console), dependencies.Time)
                    .ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterReadException e)
            {
                await console.Error.WriteLineAsync($"error: {connection.Description}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await console.Error.WriteLineAsync("error: cancelled while reading the cluster; nothing was evicted").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            foreach (string warning in read.Warnings)
            {
                await console.Error.WriteLineAsync($"warning: {connection.Description}: {warning}").ConfigureAwait(false);
            }

            Plan plan = Planner.Create(read.Snapshot, policy.ToPlanningSettings(), dependencies.Time.GetUtcNow());
            ExecutionResult result;
            string mode;
            if (options.DryRun == DryRunClient)
            {
                mode = "dry-run-client";
                result = ExecutionResult.ClientDryRun(plan);
            }
            else
            {
                mode = options.DryRun == DryRunServer ? "dry-run-server" : "run";
                var executorOptions = new EvictionExecutorOptions
                {
                    Mode = options.DryRun == DryRunServer ? ExecutionMode.ServerDryRun : ExecutionMode.Evict,
                    GracePeriodSeconds = policy.GracePeriodSeconds,
                    EvictionsPerSecond = options.EvictionsPerSecond,
                    MaxConcurrency = options.MaxConcurrency,
                    PdbRetryTimeout = TimeSpan.FromSeconds(options.PdbRetrySeconds),
                    MaxPodsToEvictPerNode = policy.MaxPodsToEvictPerNode,
                    MaxPodsToEvictPerNamespace = policy.MaxPodsToEvictPerNamespace,
                    MaxPodsToEvictTotal = policy.MaxPodsToEvictTotal,
                };
                IEvictionExecutor executor = dependencies.CreateExecutor(connection, executorOptions, dependencies.Time);
                result = await executor.ExecuteAsync(plan, cancellationToken).ConfigureAwait(false);
            }

            Dictionary<int, EvictionOutcome> outcomes = result.ByPod.ToDictionary(
                pair => pair.Key,
                pair => new EvictionOutcome(pair.Value.Outcome.ToString(), pair.Value.Attempts, pair.Value.Message));
            var report = PlanReport.From(plan, new ReportContext(mode, connection.Description, loadedPolicy.Source, loadedPolicy.Digest, CliApp.Version), outcomes);
            await ReportOutput.WriteAsync(options.Output, report, options.OutFile, console).ConfigureAwait(false);
            await console.Error.WriteLineAsync(Summary(mode, result)).ConfigureAwait(false);

            if (result.AbortReason is not null)
            {
                await console.Error.WriteLineAsync("error: the run aborted: " + result.AbortReason).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (result.Cancelled)
            {
                await console.Error.WriteLineAsync("error: the run was cancelled; evictions not started are reported as NotAttempted").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        }
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

    private static string Summary(string mode, ExecutionResult result)
    {
        if (result.Outcomes.Count == 0)
        {
            return $"{mode}: the plan has no evictions";
        }

        IEnumerable<string> counts = result.Outcomes
            .GroupBy(o => o.Outcome)
            .OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"));
        return $"{mode}: {result.Outcomes.Count} planned evictions: {string.Join(", ", counts)}";
    }

    private static async Task<int?> ValidateAsync(CliConsole console, RunOptions options)
    {
        string? problem = null;
        if (options.DryRun is not (null or DryRunClient or DryRunServer))
        {
            problem = $"--dry-run: '{options.DryRun}' is not one of client, server";
        }
        else if (!ReportRenderers.Formats.Contains(options.Output.ToLowerInvariant()))
        {
            problem = $"--output: '{options.Output}' is not one of {string.Join(", ", ReportRenderers.Formats)}";
        }
        else if (!(options.EvictionsPerSecond > 0) || double.IsInfinity(options.EvictionsPerSecond))
        {
            problem = $"--max-evictions-per-second: must be a positive number (got {options.EvictionsPerSecond.ToString(CultureInfo.InvariantCulture)})";
        }
        else if (options.MaxConcurrency < 1)
        {
            problem = "--max-concurrency: must be at least 1";
        }
        else if (options.PdbRetrySeconds < 0 || double.IsNaN(options.PdbRetrySeconds) || options.PdbRetrySeconds > 86400)
        {
            problem = "--pdb-retry-seconds: must be between 0 and 86400";
        }
        else if (options.PageSize < 1)
        {
            problem = "--page-size: must be at least 1";
        }

        if (problem is null)
        {
            return null;
        }

        await console.Error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }
}
