using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Hosting;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// <c>rebalancer snapshot -o FILE|-</c>: save the live cluster as a snapshot file (a kubectl-shaped v1 List plus the
/// metrics lists) that <c>rebalancer plan --snapshot</c> and kubectl read. Items are streamed through page by page. The
/// file is written under a temporary name and renamed at the end, so a failed read never leaves half a snapshot.
/// </summary>
public static class SnapshotCommand
{
    public static Command Create(CliConsole console) => Create(CliContext.ForProcess(console));

    internal static Command Create(CliContext cli)
    {
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Where to write the snapshot; '-' writes to standard output. Required.",
        };
        var noMetrics = new Option<bool>("--no-metrics")
        {
            Description = "Do not read metrics.k8s.io (node and pod usage).",
        };

        var command = new Command("snapshot", "Save the live cluster (nodes, pods, PDBs, namespaces, PriorityClasses, metrics) as a snapshot file for 'plan --snapshot'.")
        {
            LiveCommandSupport.Kubeconfig(), LiveCommandSupport.Context(), output, LiveCommandSupport.PageSize(), noMetrics, CommonOptions.TraceConsole(),
        };
        command.SetAction((parse, cancellationToken) =>
            CommandHost.RunAsync<SnapshotSettings, SnapshotSettingsValidator, SnapshotHandler>(cli, parse, cancellationToken));
        return command;
    }
}

/// <summary>The settings of <c>rebalancer snapshot</c>, from its options or <c>REBALANCER_*</c> variables.</summary>
internal sealed class SnapshotSettings : CommandSettings
{
    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public string? Out { get; set; }

    public int PageSize { get; set; } = 500;

    public bool NoMetrics { get; set; }
}

internal sealed class SnapshotSettingsValidator(SettingsValues values, IConfiguration configuration)
    : SettingsValidator<SnapshotSettings>(values, configuration)
{
    protected override void Validate(SnapshotSettings settings, List<string> problems)
    {
        if (settings.PageSize < 1)
        {
            problems.Add($"{Origin(nameof(SnapshotSettings.PageSize))}: must be at least 1");
        }

        if (string.IsNullOrEmpty(settings.Out))
        {
            problems.Add($"{Origin(nameof(SnapshotSettings.Out))}: a file is required ('-' writes to standard output)");
        }
        else if (!Directory.Exists(SnapshotHandler.DirectoryOf(settings.Out)))
        {
            problems.Add($"{Origin(nameof(SnapshotSettings.Out))} {settings.Out}: the directory does not exist");
        }
    }
}

/// <summary>Connects, streams the cluster's lists into a temporary file, renames it into place.</summary>
internal sealed class SnapshotHandler(
    IOptions<SnapshotSettings> options, CliConsole console, TimeProvider time, RunDependencies dependencies,
    TerminalProgress progress, ILogger<SnapshotHandler> logger) : ICommandHandler
{
    internal static string DirectoryOf(string output) =>
        output == "-" ? Path.GetTempPath() : Path.GetDirectoryName(Path.GetFullPath(output)) ?? Path.GetTempPath();

    public async Task<int> RunAsync(Activity? root, CancellationToken cancellationToken)
    {
        SnapshotSettings settings = options.Value;
        string output = settings.Out!;
        bool toStdout = output == "-";
        root?.SetTag(SpanAttributes.Mode, "snapshot");
        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            dependencies.Connect, settings.Kubeconfig, settings.Context, console, logger, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return exitCode;
        }

        root?.SetTag(SpanAttributes.Source, connection.Description);
        root?.SetTag(SpanAttributes.Context, connection.Context);
        string temporary = Path.Combine(DirectoryOf(output), $".rebalancer-snapshot-{Guid.NewGuid():N}.tmp");
        try
        {
            using (connection)
            {
                var readerOptions = new ClusterReaderOptions
                {
                    PageSize = settings.PageSize,
                    Metrics = settings.NoMetrics ? MetricsRequirement.Skip : MetricsRequirement.Optional,
                };
                var writer = new ClusterSnapshotWriter(connection, readerOptions, progress.Reading(), time);
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
                    File.Move(temporary, output, overwrite: true);
                }

                foreach (string warning in result.Warnings)
                {
                    Log.ClusterWarning(logger, connection.Description, warning);
                }

                string counts = string.Join(", ", result.ObjectsByResource.Select(pair => $"{pair.Value} {pair.Key}"));
                Log.SnapshotWritten(logger, connection.Description, toStdout ? "standard output" : output, counts);
                return ExitCodes.Success;
            }
        }
        catch (ClusterReadException e)
        {
            root?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.SnapshotFailed(logger, e.Message);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            root?.SetStatus(ActivityStatusCode.Error, "cancelled");
            Log.SnapshotFailed(logger, "cancelled; no snapshot was written");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            root?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.SnapshotFailed(logger, $"--out {output}: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
