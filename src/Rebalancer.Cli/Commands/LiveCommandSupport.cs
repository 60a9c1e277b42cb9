using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rebalancer.Cli.Hosting;
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

        // Once per command, before anything is sent with the credentials: an unauthenticated server or clear-text token.
        foreach (string warning in connection.SecurityWarnings)
        {
            Log.ConnectionInsecure(logger, warning);
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

    /// <summary>
    /// Reads the cluster into a snapshot (the <c>snapshot.read</c> span), as <c>run</c>, <c>explain</c> and
    /// <c>snapshot --format compact</c> all do: progress on a terminal, the read and its warnings logged. Returns null
    /// with exit code 1 when a list failed or the read was cancelled (logged, and on <paramref name="root"/>'s status).
    /// </summary>
    public static async Task<(ClusterReadResult? Read, int ExitCode)> ReadClusterAsync(
        KubernetesConnection connection, ClusterReaderOptions options, TerminalProgress progress, TimeProvider time, ILogger logger, Activity? root,
        CancellationToken cancellationToken)
    {
        ClusterReadResult read;
        long started = time.GetTimestamp();
        try
        {
            read = await new ClusterReader(connection, options, progress.Reading(), time).ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ClusterReadException e)
        {
            root?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.ClusterUnreadable(logger, connection.Description, e.Message);
            return (null, ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            root?.SetStatus(ActivityStatusCode.Error, "cancelled");
            Log.ReadCancelled(logger);
            return (null, ExitCodes.Failure);
        }

        Log.ClusterRead(logger, connection.Description, read.Snapshot.Nodes.Count, read.Snapshot.Pods.Count, read.Pages, read.Bytes,
            (long)time.GetElapsedTime(started).TotalMilliseconds);
        foreach (string warning in read.Warnings)
        {
            Log.ClusterWarning(logger, connection.Description, warning);
        }

        return (read, ExitCodes.Success);
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
