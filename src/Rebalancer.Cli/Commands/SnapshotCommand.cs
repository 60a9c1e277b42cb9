using System.CommandLine;
using Rebalancer.Kubernetes.Live;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// <c>rebalancer snapshot -o FILE|-</c>: save the live cluster as a snapshot file (a kubectl-shaped v1 List plus the
/// metrics lists) that <c>rebalancer plan --snapshot</c> and kubectl read. Items are streamed through page by page. The
/// file is written under a temporary name and renamed at the end, so a failed read never leaves half a snapshot.
/// </summary>
public static class SnapshotCommand
{
    public static Command Create(CliConsole console) => Create(console, KubernetesConnection.Open, TimeProvider.System);

    internal static Command Create(CliConsole console, Func<KubernetesConnectionOptions, KubernetesConnection> connect, TimeProvider time)
    {
        var kubeconfig = LiveCommandSupport.Kubeconfig();
        var context = LiveCommandSupport.Context();
        var output = new Option<string>("--out", "-o")
        {
            Description = "Where to write the snapshot; '-' writes to standard output.",
            Required = true,
        };
        var pageSize = LiveCommandSupport.PageSize();
        var noMetrics = new Option<bool>("--no-metrics")
        {
            Description = "Do not read metrics.k8s.io (node and pod usage).",
        };

        var command = new Command("snapshot", "Save the live cluster (nodes, pods, PDBs, namespaces, PriorityClasses, metrics) as a snapshot file for 'plan --snapshot'.")
        {
            kubeconfig, context, output, pageSize, noMetrics,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            new SnapshotOptions(parse.GetValue(kubeconfig), parse.GetValue(context), parse.GetValue(output)!, parse.GetValue(pageSize), parse.GetValue(noMetrics)),
            connect,
            time,
            cancellationToken));
        return command;
    }

    internal sealed record SnapshotOptions(string? Kubeconfig, string? Context, string Out, int PageSize = 500, bool NoMetrics = false);

    internal static async Task<int> RunAsync(CliConsole console, SnapshotOptions options, Func<KubernetesConnectionOptions, KubernetesConnection> connect, TimeProvider time, CancellationToken cancellationToken)
    {
        if (options.PageSize < 1)
        {
            await console.Error.WriteLineAsync("error: --page-size: must be at least 1").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        bool toStdout = options.Out == "-";
        string? directory = toStdout ? Path.GetTempPath() : Path.GetDirectoryName(Path.GetFullPath(options.Out));
        if (directory is null || !Directory.Exists(directory))
        {
            await console.Error.WriteLineAsync($"error: --out {options.Out}: the directory does not exist").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            connect, options.Kubeconfig, options.Context, console, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return exitCode;
        }

        string temporary = Path.Combine(directory, $".rebalancer-snapshot-{Guid.NewGuid():N}.tmp");
        try
        {
            using (connection)
            {
                var readerOptions = new ClusterReaderOptions
                {
                    PageSize = options.PageSize,
                    Metrics = options.NoMetrics ? MetricsRequirement.Skip : MetricsRequirement.Optional,
                };
                var writer = new ClusterSnapshotWriter(connection, readerOptions, LiveCommandSupport.ProgressFor(console), time);
                SnapshotWriteResult result;
                await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    result = await writer.WriteAsync(file, cancellationToken).ConfigureAwait(false);
                    if (toStdout)
                    {
                        file.Position = 0;
                        if (ReferenceEquals(console.Out, Console.Out))
                        {
                            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                            await using Stream stdout = Console.OpenStandardOutput();
                            await file.CopyToAsync(stdout, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            using var reader = new StreamReader(file, leaveOpen: true);
                            await console.Out.WriteAsync(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                if (!toStdout)
                {
                    File.Move(temporary, options.Out, overwrite: true);
                }

                foreach (string warning in result.Warnings)
                {
                    await console.Error.WriteLineAsync($"warning: {connection.Description}: {warning}").ConfigureAwait(false);
                }

                string counts = string.Join(", ", result.ObjectsByResource.Select(pair => $"{pair.Value} {pair.Key}"));
                await console.Error.WriteLineAsync($"snapshot of {connection.Description} written to {(toStdout ? "standard output" : options.Out)}: {counts}").ConfigureAwait(false);
                return ExitCodes.Success;
            }
        }
        catch (ClusterReadException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("error: cancelled; no snapshot was written").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync($"error: --out {options.Out}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
