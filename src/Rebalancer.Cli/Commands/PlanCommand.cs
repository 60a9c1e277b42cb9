using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Policy;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary><c>rebalancer plan</c>: load a snapshot file and a policy, plan, print the report. Evicts nothing, talks to no cluster.</summary>
public static class PlanCommand
{
    public static Command Create(CliConsole console)
    {
        var snapshot = new Option<string>("--snapshot")
        {
            Description = "Snapshot file: what 'kubectl get nodes,pods,pdb -A -o json' prints (several JSON documents allowed); '-' reads stdin.",
            Required = true,
        };
        var policy = new Option<string?>("--policy")
        {
            Description = "DeschedulerPolicy file (descheduler/v1alpha2, YAML or JSON); '-' reads stdin. Default: the built-in policy (docs/policy.md).",
        };
        var output = CommonOptions.Output();
        var outFile = CommonOptions.OutFile();
        var now = new Option<string?>("--now")
        {
            Description = "Pin the clock (RFC 3339, e.g. 2026-11-27T10:00:00Z) so pod ages and the plan are reproducible. Default: the current time.",
        };

        var command = new Command("plan", "Plan evictions for a snapshot file and print the report; nothing is evicted.")
        {
            snapshot, policy, output, outFile, now,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            new PlanOptions(parse.GetValue(snapshot)!, parse.GetValue(policy), parse.GetValue(output)!, parse.GetValue(outFile), parse.GetValue(now)),
            cancellationToken));
        return command;
    }

    internal sealed record PlanOptions(string Snapshot, string? Policy, string Output, string? OutFile, string? Now);

    internal static async Task<int> RunAsync(CliConsole console, PlanOptions options, CancellationToken cancellationToken)
    {
        DateTimeOffset now;
        if (options.Now is null)
        {
            now = TimeProvider.System.GetUtcNow();
        }
        else if (!DateTimeOffset.TryParse(options.Now, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out now))
        {
            await console.Error.WriteLineAsync($"error: --now: '{options.Now}' is not an RFC 3339 time (e.g. 2026-11-27T10:00:00Z)").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (!ReportRenderers.Formats.Contains(options.Output.ToLowerInvariant()))
        {
            await console.Error.WriteLineAsync($"error: --output: '{options.Output}' is not one of {string.Join(", ", ReportRenderers.Formats)}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        LoadedPolicy loadedPolicy;
        SnapshotLoadResult loaded;
        try
        {
            loadedPolicy = LoadedPolicy.Load(options.Policy, console);
            foreach (ConfigProblem warning in loadedPolicy.Policy.Warnings)
            {
                await console.Error.WriteLineAsync($"warning: {loadedPolicy.Source}: {warning}").ConfigureAwait(false);
            }

            loaded = options.Snapshot == "-"
                ? SnapshotLoader.Load(console.OpenStandardInput(), "<stdin>")
                : SnapshotLoader.Load(options.Snapshot);
        }
        catch (ConfigException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        catch (SnapshotFormatException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        foreach (string warning in loaded.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {options.Snapshot}: {warning}").ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Plan plan = Planner.Create(loaded.Snapshot, loadedPolicy.Policy.ToPlanningSettings(), now);
        var report = PlanReport.From(plan, new ReportContext("plan", options.Snapshot == "-" ? "<stdin>" : options.Snapshot, loadedPolicy.Source, loadedPolicy.Digest, CliApp.Version));
        await ReportOutput.WriteAsync(options.Output, report, options.OutFile, console).ConfigureAwait(false);
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
