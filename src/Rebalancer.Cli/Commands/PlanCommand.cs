using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Hosting;
using Rebalancer.Cli.Telemetry;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Policy;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Telemetry;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary><c>rebalancer plan</c>: load a snapshot file and a policy, plan, print the report. Evicts nothing, talks to no cluster.</summary>
public static class PlanCommand
{
    public static Command Create(CliConsole console) => Create(CliContext.ForProcess(console));

    internal static Command Create(CliContext cli)
    {
        var snapshot = new Option<string?>("--snapshot")
        {
            Description = "Snapshot file: what 'kubectl get nodes,pods,pdb -A -o json' prints (several JSON documents allowed); '-' reads stdin. Required.",
        };
        var policy = new Option<string?>("--policy")
        {
            Description = "DeschedulerPolicy file (descheduler/v1alpha2, YAML or JSON); '-' reads stdin. Default: the built-in policy (docs/policy.md).",
        };
        var now = new Option<string?>("--now")
        {
            Description = $"Pin the clock (RFC 3339 with a zone, e.g. {PinnedClock.Example}) so pod ages and the plan are reproducible. Default: the current time.",
        };

        var command = new Command("plan", "Plan evictions for a snapshot file and print the report; nothing is evicted.")
        {
            snapshot, policy, CommonOptions.Output(), CommonOptions.OutFile(), CommonOptions.CreateDirs(), now, CommonOptions.TraceConsole(),
        };
        foreach (Option option in PrometheusInput.Options())
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) =>
            CommandHost.RunAsync<PlanSettings, PlanSettingsValidator, PlanHandler>(cli, parse, cancellationToken, SnapshotPrefetch.Start));
        return command;
    }
}

/// <summary>The settings of <c>rebalancer plan</c>, from its options or <c>REBALANCER_*</c> variables.</summary>
internal sealed class PlanSettings : CommandSettings, IPrometheusSettings
{
    public string? Prometheus { get; set; }

    public string? History { get; set; }

    public string? PrometheusTokenFile { get; set; }

    public string? Snapshot { get; set; }

    public string? Policy { get; set; }

    public string Output { get; set; } = "text";

    public string? Out { get; set; }

    public bool CreateDirs { get; set; }

    public string? Now { get; set; }

    /// <summary>The pinned clock; null for the current time (or when <see cref="Now"/> is invalid, which validation reports).</summary>
    public DateTimeOffset? PinnedNow => PinnedClock.Parse(Now);
}

internal sealed class PlanSettingsValidator(SettingsValues values, IConfiguration configuration, PolicyStore policies)
    : SettingsValidator<PlanSettings>(values, configuration)
{
    protected override void Validate(PlanSettings settings, List<string> problems)
    {
        string snapshotOrigin = Origin(nameof(PlanSettings.Snapshot));
        string policyOrigin = Origin(nameof(PlanSettings.Policy));
        if (string.IsNullOrEmpty(settings.Snapshot))
        {
            problems.Add($"{snapshotOrigin}: a snapshot file is required ('-' reads standard input)");
        }
        else if (InputFile.Check(settings.Snapshot, snapshotOrigin) is string missing)
        {
            problems.Add(missing);
        }

        if (settings.Now is not null && settings.PinnedNow is null)
        {
            problems.Add(PinnedClock.Problem(settings.Now, Origin(nameof(PlanSettings.Now))));
        }

        ValidateOutput(settings.Output, Origin(nameof(PlanSettings.Output)), problems);
        ValidateOut(settings.Out, Origin(nameof(PlanSettings.Out)), settings.CreateDirs, settings.Output, problems,
            (settings.Snapshot, snapshotOrigin), (settings.Policy, policyOrigin));
        if (InputFile.BothStandardInput(settings.Snapshot, snapshotOrigin, settings.Policy, policyOrigin) is string stdin)
        {
            // Not loaded: the policy would take standard input from the snapshot.
            problems.Add(stdin);
        }
        else if (policies.Load(settings.Policy, policyOrigin) is string problem)
        {
            problems.Add(problem);
        }

        PrometheusInput.Validate(settings, policies.Loaded?.Policy, Origin, problems);
    }

    internal static void ValidateOutput(string output, string origin, List<string> problems)
    {
        if (!ReportRenderers.Formats.Contains(output.ToLowerInvariant()))
        {
            problems.Add($"{origin}: '{output}' is not one of {string.Join(", ", ReportRenderers.Formats)}");
        }
    }

    /// <summary>
    /// Checks the report's output file before anything is read or done (OutputFile), and that it is not one of the
    /// command's input files: a report written over the policy or the snapshot would destroy what it came from.
    /// </summary>
    internal static void ValidateOut(string? path, string origin, bool createDirs, string format, List<string> problems, params (string? Path, string Origin)[] inputs)
    {
        if (path is null)
        {
            return;
        }

        string extension = ReportRenderers.Formats.Contains(format.ToLowerInvariant()) ? ReportRenderers.FileExtension(format) : "txt";
        if (OutputFile.Check(path, origin, createDirs, "report." + extension) is string problem)
        {
            problems.Add(problem);
            return;
        }

        foreach ((string? input, string inputOrigin) in inputs)
        {
            if (input is not null && OutputFile.SameFile(path, input))
            {
                problems.Add($"{origin} {path}: is the {inputOrigin} file; the report would overwrite it");
            }
        }
    }
}

/// <summary>Loads the snapshot (<c>snapshot.load</c> span), plans, writes the report.</summary>
internal sealed class PlanHandler(
    IOptions<PlanSettings> options, PolicyStore policies, CliConsole console, TimeProvider time, SettingsOrigins origins,
    TerminalProgress progress, RebalancerMetrics metrics, SnapshotPrefetch prefetch, ILogger<PlanHandler> logger) : ICommandHandler
{
    private const string Mode = "plan";

    public async Task<int> RunAsync(Activity? root, CancellationToken cancellationToken)
    {
        PlanSettings settings = options.Value;
        LoadedPolicy policy = policies.Policy;
        string path = settings.Snapshot!;
        string source = SnapshotInput.SourceOf(path);
        PlanStep.DescribeRun(root, Mode, source, policy);
        root?.SetTag(SpanAttributes.SnapshotFile, source);
        foreach (ConfigProblem warning in policy.Policy.Warnings)
        {
            Log.PolicyWarning(logger, policy.Source, warning.ToString());
        }

        SnapshotLoadResult? loaded = await SnapshotInput.LoadAsync(path, origins[nameof(PlanSettings.Snapshot)], console, time, logger, prefetch).ConfigureAwait(false);
        if (loaded is null)
        {
            return ExitCodes.InvalidInput;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failure;
        }

        DateTimeOffset now = settings.PinnedNow ?? time.GetUtcNow();
        List<ReportMessage> inputWarnings = SnapshotInput.ReportWarnings(loaded.Warnings, source);
        if (settings.PinnedNow is { } pinned && PinnedClock.BeforeSnapshot(loaded.Snapshot, pinned, origins[nameof(PlanSettings.Now)]) is string early)
        {
            Log.ClockWarning(logger, early);
            inputWarnings.Add(new ReportMessage(null, null, early, ReportMessage.ClockSource));
        }

        (UsageInputs? usage, int usageExitCode) = await PrometheusInput.PrepareAsync(
            settings, policy.Policy, origins, null, loaded.Snapshot, now, console, time, logger, cancellationToken).ConfigureAwait(false);
        if (usage is null)
        {
            return usageExitCode;
        }

        (Plan plan, _) = PlanStep.Create(loaded.Snapshot, policy.Policy.ToPlanningSettings() with { Usage = usage }, now, Mode, time, progress, metrics, logger);
        PlanStep.Describe(root, plan);
        metrics.RecordEvictions(plan, [.. plan.Evictions.Select(_ => "Planned")], Mode);
        var report = PlanReport.From(plan, new ReportContext(Mode, source, policy.Source, policy.Digest, CliApp.Version) { Warnings = inputWarnings });
        if (!await ReportOutput.WriteAsync(settings.Output, report, settings.Out, settings.CreateDirs, console, logger).ConfigureAwait(false))
        {
            root?.SetStatus(ActivityStatusCode.Error, "the report could not be written where --out says");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }
}

/// <summary>A policy with where it came from and a digest of its text, so a report names exactly what was applied.</summary>
internal sealed record LoadedPolicy(DeschedulerPolicy Policy, string Source, string Digest)
{
    public static LoadedPolicy Load(string? path, CliConsole console)
    {
        if (path is null)
        {
            return new LoadedPolicy(BuiltInPolicy.Load(), "built-in", DigestOf(BuiltInPolicy.Yaml));
        }

        string text;
        string source;
        // Read with the policy reader's bound (size, strict UTF-8), so a huge file is refused before it is held.
        if (path == "-")
        {
            source = "<stdin>";
            text = PolicyFileReader.ReadText(console.OpenStandardInput(), source);
        }
        else
        {
            text = PolicyFileReader.ReadText(path);
            source = path;
        }

        PolicyDocumentCheck.ThrowIfNotAPolicy(text, source);
        return new LoadedPolicy(PolicyFileReader.LoadFromText(text, source), source, DigestOf(text));
    }

    private static string DigestOf(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
