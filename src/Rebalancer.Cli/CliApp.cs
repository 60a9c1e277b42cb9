using System.CommandLine;
using System.Reflection;
using Rebalancer.Cli.Commands;
using Rebalancer.Cli.Hosting;

namespace Rebalancer.Cli;

/// <summary>The command tree. <see cref="RunAsync(string[], CliConsole, CancellationToken)"/> is the whole program, callable in-process by the end-to-end tests.</summary>
public static class CliApp
{
    public static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliContext.ForProcess(console), cancellationToken);

    /// <summary>Runs with an explicit environment and service overrides (the tests' entry point for telemetry and fakes).</summary>
    internal static async Task<int> RunAsync(string[] args, CliContext cli, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cli);
        CliConsole console = cli.Console;
        RootCommand root = Build(cli);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine exits 1 on parse errors; bad options are invalid input (2) here, with usage help.
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync("Run 'rebalancer --help' for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        // Program.cs turns Ctrl-C/SIGTERM into cancellation; no forced termination, so a run stops between evictions, still
        // reports and flushes its telemetry. Each command builds its own host (Hosting/CommandHost.cs) once parsed.
        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error, ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand Build(CliContext cli)
    {
        CliConsole console = cli.Console;
        var root = new RootCommand(
            "Rebalancer: plans and performs PDB-aware evictions to keep a Kubernetes cluster packed, balanced and safe. " +
            "Reads the descheduler's DeschedulerPolicy (descheduler/v1alpha2).");
        root.Subcommands.Add(PlanCommand.Create(cli));
        root.Subcommands.Add(RunCommand.Create(cli));
        root.Subcommands.Add(SnapshotCommand.Create(cli));
        root.Subcommands.Add(ExplainCommand.Create(cli));
        foreach (Command command in root.Subcommands)
        {
            foreach (Option option in command.Options)
            {
                option.Validators.Add(OnlyOnce);
            }
        }

        return root;
    }

    /// <summary>
    /// An option given twice is an error, not "the last one wins": <c>--dry-run --dry-run=server</c> or two
    /// <c>--policy</c> files are a mistake whose result the user cannot see, and for <c>run</c> the difference is
    /// whether pods are evicted.
    /// </summary>
    private static void OnlyOnce(System.CommandLine.Parsing.OptionResult result)
    {
        if (result.IdentifierTokenCount > 1)
        {
            result.AddError($"{result.Option.Name}: given {result.IdentifierTokenCount} times; give it once");
        }
    }
}
