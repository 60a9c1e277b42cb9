using System.CommandLine;
using System.Globalization;
using Rebalancer.Kubernetes.Live;

namespace Rebalancer.Cli.Commands;

/// <summary>Options and helpers shared by the commands that talk to a live cluster (<c>run</c>, <c>snapshot</c>).</summary>
internal static class LiveCommandSupport
{
    public static Option<string?> Kubeconfig() => new("--kubeconfig")
    {
        Description = "kubeconfig file. Default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account.",
    };

    public static Option<string?> Context() => new("--context")
    {
        Description = "kubeconfig context to use. Default: the kubeconfig's current-context.",
    };

    public static Option<int> PageSize() => new("--page-size")
    {
        Description = "Objects per list request (the API's 'limit'); continue tokens fetch the rest.",
        DefaultValueFactory = _ => 500,
    };

    /// <summary>
    /// Opens the connection and checks the server answers. Returns null with the message printed and the exit code set:
    /// 2 for configuration problems (no kubeconfig, unknown context), 1 for an unreachable server or rejected credentials.
    /// </summary>
    public static async Task<(KubernetesConnection? Connection, int ExitCode)> ConnectAsync(
        Func<KubernetesConnectionOptions, KubernetesConnection> connect, string? kubeconfig, string? context, CliConsole console, CancellationToken cancellationToken)
    {
        KubernetesConnection connection;
        try
        {
            connection = connect(new KubernetesConnectionOptions { Kubeconfig = kubeconfig, Context = context });
        }
        catch (ClusterConnectionException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return (null, e.Problem == ConnectionProblem.InvalidConfiguration ? ExitCodes.InvalidInput : ExitCodes.Failure);
        }

        try
        {
            await connection.VerifyAsync(cancellationToken).ConfigureAwait(false);
            return (connection, ExitCodes.Success);
        }
        catch (ClusterConnectionException e)
        {
            connection.Dispose();
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return (null, e.Problem == ConnectionProblem.InvalidConfiguration ? ExitCodes.InvalidInput : ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connection.Dispose();
            await console.Error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return (null, ExitCodes.Failure);
        }
    }

    /// <summary>
    /// True when standard error is a terminal, so progress lines (which overwrite themselves) only go to people, never to
    /// logs. <see cref="CliConsole.IsTerminal"/> is about standard output; an injected console's error writer is never a terminal.
    /// </summary>
    public static bool ErrorIsTerminal(CliConsole console) => ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Progress of a read as one self-overwriting stderr line per list; null (no reports) when stderr is not a terminal.</summary>
    public static IProgress<ReadProgress>? ProgressFor(CliConsole console) => ErrorIsTerminal(console) ? new TerminalProgress(console.Error) : null;

    private sealed class TerminalProgress(TextWriter error) : IProgress<ReadProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ReadProgress value)
        {
            string line = string.Create(CultureInfo.InvariantCulture,
                $"reading {value.Resource}: {value.Objects} objects, {value.Pages} {(value.Pages == 1 ? "page" : "pages")}, {value.Bytes / 1048576.0:0.0} MiB");
            lock (_gate)
            {
                error.Write("\r" + line.PadRight(78));
                if (value.Completed)
                {
                    error.WriteLine();
                }

                error.Flush();
            }
        }
    }
}
