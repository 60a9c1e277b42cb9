using System.CommandLine;
using Microsoft.Extensions.Logging;
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
    /// Opens the connection and checks the server answers. Returns null with the problem reported and the exit code set:
    /// 2 for configuration problems (no kubeconfig, unknown context: a plain <c>error:</c> line, it is the user's to fix),
    /// 1 for an unreachable server or rejected credentials (logged: it is an event of the run).
    /// </summary>
    public static async Task<(KubernetesConnection? Connection, int ExitCode)> ConnectAsync(
        Func<KubernetesConnectionOptions, KubernetesConnection> connect, string? kubeconfig, string? context, CliConsole console, ILogger logger, CancellationToken cancellationToken)
    {
        KubernetesConnection connection;
        try
        {
            connection = connect(new KubernetesConnectionOptions { Kubeconfig = kubeconfig, Context = context });
        }
        catch (ClusterConnectionException e)
        {
            return (null, await ReportAsync(e, console, logger).ConfigureAwait(false));
        }

        try
        {
            await connection.VerifyAsync(cancellationToken).ConfigureAwait(false);
            return (connection, ExitCodes.Success);
        }
        catch (ClusterConnectionException e)
        {
            connection.Dispose();
            return (null, await ReportAsync(e, console, logger).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connection.Dispose();
            Log.ClusterUnreachable(logger, "cancelled while connecting");
            return (null, ExitCodes.Failure);
        }
    }

    private static async Task<int> ReportAsync(ClusterConnectionException e, CliConsole console, ILogger logger)
    {
        if (e.Problem == ConnectionProblem.InvalidConfiguration)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
        Log.ClusterUnreachable(logger, e.Message);
        return ExitCodes.Failure;
    }
}
