using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
            Description = "Pin the clock (RFC 3339, e.g. 2026-11-27T10:00:00Z) so pod ages and the plan are reproducible. Default: the current time.",
        };

        var command = new Command("plan", "Plan evictions for a snapshot file and print the report; nothing is evicted.")
        {
            snapshot, policy, CommonOptions.Output(), CommonOptions.OutFile(), now, CommonOptions.TraceConsole(),
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

    public string? Now { get; set; }

    /// <summary>The pinned clock; null for the current time (or when <see cref="Now"/> is invalid, which validation reports).</summary>
    public DateTimeOffset? PinnedNow =>
        Now is not null && DateTimeOffset.TryParse(Now, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset now)
            ? now : null;
}

internal sealed class PlanSettingsValidator(SettingsValues values, IConfiguration configuration, PolicyStore policies)
    : SettingsValidator<PlanSettings>(values, configuration)
{
    protected override void Validate(PlanSettings settings, List<string> problems)
    {
        if (string.IsNullOrEmpty(settings.Snapshot))
        {
            problems.Add($"{Origin(nameof(PlanSettings.Snapshot))}: a snapshot file is required ('-' reads standard input)");
        }

        if (settings.Now is not null && settings.PinnedNow is null)
        {
            problems.Add($"{Origin(nameof(PlanSettings.Now))}: '{settings.Now}' is not an RFC 3339 time (e.g. 2026-11-27T10:00:00Z)");
        }

        ValidateOutput(settings.Output, Origin(nameof(PlanSettings.Output)), problems);
        if (policies.Load(settings.Policy, Origin(nameof(PlanSettings.Policy))) is string problem)
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
}

/// <summary>Loads the snapshot (<c>snapshot.load</c> span), plans, writes the report.</summary>
internal sealed class PlanHandler(
    IOptions<PlanSettings> options, PolicyStore policies, CliConsole console, TimeProvider time,
    TerminalProgress progress, RebalancerMetrics metrics, SnapshotPrefetch prefetch, SettingsOrigins origins, ILogger<PlanHandler> logger) : ICommandHandler
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

        SnapshotLoadResult? loaded = await SnapshotInput.LoadAsync(path, console, time, logger, prefetch).ConfigureAwait(false);
        if (loaded is null)
        {
            return ExitCodes.InvalidInput;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failure;
        }

        DateTimeOffset now = settings.PinnedNow ?? time.GetUtcNow();
        (UsageInputs? usage, int usageExitCode) = await PrometheusInput.PrepareAsync(
            settings, policy.Policy, origins, null, loaded.Snapshot, now, console, time, logger, cancellationToken).ConfigureAwait(false);
        if (usage is null)
        {
            return usageExitCode;
        }

        (Plan plan, _) = PlanStep.Create(loaded.Snapshot, policy.Policy.ToPlanningSettings() with { Usage = usage }, now, Mode, time, progress, metrics, logger);
        PlanStep.Describe(root, plan);
        metrics.RecordEvictions(plan, [.. plan.Evictions.Select(_ => "Planned")], Mode);
        var report = PlanReport.From(plan, new ReportContext(Mode, source, policy.Source, policy.Digest, CliApp.Version));
        await ReportOutput.WriteAsync(settings.Output, report, settings.Out, console).ConfigureAwait(false);
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
        if (path == "-")
        {
            using var reader = new StreamReader(console.OpenStandardInput(), Encoding.UTF8);
            text = reader.ReadToEnd();
            source = "<stdin>";
        }
        else
        {
            text = File.ReadAllText(path);
            source = path;
        }

        return new LoadedPolicy(PolicyFileReader.LoadFromText(text, source), source, DigestOf(text));
    }

    private static string DigestOf(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
