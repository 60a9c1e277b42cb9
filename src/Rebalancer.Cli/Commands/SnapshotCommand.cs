using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rebalancer.Cli.Hosting;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// <c>rebalancer snapshot -o FILE|-</c>: save the live cluster as a snapshot file that <c>rebalancer plan --snapshot</c>
/// reads. <c>--format json</c> (the default) writes a kubectl-shaped v1 List plus the metrics lists, which kubectl reads
/// too; items are streamed through page by page. <c>--format compact</c> reads the cluster into a snapshot, as
/// <c>run</c> does, and writes it in the compact binary format. <c>--from FILE</c> converts a snapshot file to the
/// compact format without reading a cluster. The file is written under a temporary name and renamed at the end, so a
/// failed read never leaves half a snapshot.
/// </summary>
public static class SnapshotCommand
{
    internal const string Json = "json";
    internal const string Compact = "compact";

    internal static readonly string[] Formats = [Json, Compact];

    public static Command Create(CliConsole console) => Create(CliContext.ForProcess(console));

    internal static Command Create(CliContext cli)
    {
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Where to write the snapshot; '-' writes to standard output. Required.",
        };
        var format = new Option<string?>("--format")
        {
            Description = $"'{Json}': kubectl's JSON, which kubectl reads too. '{Compact}': a binary, versioned, checksummed copy " +
                $"of the loaded snapshot that 'plan' loads 7-12 times faster. Default: {Compact} with --from or an -o name ending in " +
                $"{CompactSnapshot.Extension}, otherwise {Json}.",
        };

        // Completions only: a bad value is reported by the validator like a bad REBALANCER_FORMAT, with the others' problems.
        format.CompletionSources.Add(Formats);
        var from = new Option<string?>("--from")
        {
            Description = "Convert this snapshot file (kubectl JSON, gzip or compact; '-' reads stdin) to the compact format instead of " +
                "reading a cluster; no kubeconfig is used.",
        };
        var noMetrics = new Option<bool>("--no-metrics")
        {
            Description = "Do not read metrics.k8s.io (node and pod usage).",
        };

        var command = new Command(
            "snapshot",
            "Save the live cluster (nodes, pods, PDBs, namespaces, PriorityClasses, metrics) as a snapshot file for 'plan --snapshot', " +
            "as kubectl JSON or in the compact format; or convert a snapshot file to the compact format (--from).")
        {
            LiveCommandSupport.Kubeconfig(), LiveCommandSupport.Context(), output, CommonOptions.CreateDirs(), format, from, LiveCommandSupport.PageSize(), noMetrics,
            CommonOptions.TraceConsole(),
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

    public bool CreateDirs { get; set; }

    /// <summary>As given; null when neither <c>--format</c> nor <c>REBALANCER_FORMAT</c> says (see <see cref="IsCompact"/>).</summary>
    public string? Format { get; set; }

    public string? From { get; set; }

    public int PageSize { get; set; } = 500;

    public bool NoMetrics { get; set; }

    /// <summary>
    /// The compact format when asked for, and by default when converting a file (the only format --from writes) or
    /// when the output is named <c>*.rbsnap</c>: a name that says compact should not get JSON.
    /// </summary>
    public bool IsCompact => Format is null
        ? From is not null || (Out is not null && Out.EndsWith(CompactSnapshot.Extension, StringComparison.OrdinalIgnoreCase))
        : string.Equals(Format, SnapshotCommand.Compact, StringComparison.OrdinalIgnoreCase);
}

internal sealed class SnapshotSettingsValidator(SettingsValues values, IConfiguration configuration, CliConsole console)
    : SettingsValidator<SnapshotSettings>(values, configuration)
{
    // The options that only matter when a cluster is read.
    private static readonly string[] ClusterSettings =
        [nameof(SnapshotSettings.Kubeconfig), nameof(SnapshotSettings.Context), nameof(SnapshotSettings.PageSize), nameof(SnapshotSettings.NoMetrics)];

    protected override void Validate(SnapshotSettings settings, List<string> problems)
    {
        if (settings.PageSize < 1)
        {
            problems.Add($"{Origin(nameof(SnapshotSettings.PageSize))}: must be at least 1");
        }

        string output = Origin(nameof(SnapshotSettings.Out));
        if (string.IsNullOrEmpty(settings.Out))
        {
            problems.Add($"{output}: a file is required ('-' writes to standard output)");
        }
        else if (OutputFile.Check(settings.Out, output, settings.CreateDirs, settings.IsCompact ? "cluster" + CompactSnapshot.Extension : "cluster.json") is string problem)
        {
            problems.Add(problem);
        }
        else if (settings.From is not null && OutputFile.SameFile(settings.Out, settings.From))
        {
            problems.Add($"{output} {settings.Out}: is the {Origin(nameof(SnapshotSettings.From))} file; write the compact snapshot to another file");
        }

        string format = Origin(nameof(SnapshotSettings.Format));
        bool knownFormat = settings.Format is null || SnapshotCommand.Formats.Contains(settings.Format, StringComparer.OrdinalIgnoreCase);
        if (!knownFormat)
        {
            problems.Add($"{format}: '{settings.Format}' is not one of {string.Join(", ", SnapshotCommand.Formats)}");
        }

        if (settings.From is not null)
        {
            string from = Origin(nameof(SnapshotSettings.From));
            if (InputFile.Check(settings.From, from) is string missing)
            {
                problems.Add(missing);
            }
            else if (knownFormat && !settings.IsCompact)
            {
                problems.Add($"{from} {settings.From}: a snapshot file can only be converted with {format} {SnapshotCommand.Compact} " +
                    "(kubectl JSON cannot be rebuilt from a loaded snapshot; the file already is a snapshot 'plan' reads)");
            }

            // Silently ignoring them would hide a mix-up: the user may believe the cluster of that context is read.
            foreach (string key in ClusterSettings.Where(IsOnCommandLine))
            {
                problems.Add($"{Origin(key)}: not used with {from}, which converts a file and reads no cluster");
            }
        }

        if (settings.Out == "-" && settings.IsCompact && console.OpenStandardOutput is null)
        {
            problems.Add($"{Origin(nameof(SnapshotSettings.Out))} -: a compact snapshot is binary and standard output takes only text here; write it to a file");
        }
    }
}

/// <summary>
/// Reads the cluster (streamed into kubectl JSON, or into a snapshot for the compact format) or loads a snapshot file,
/// writes the result to a temporary file, renames it into place or copies it to standard output.
/// </summary>
internal sealed class SnapshotHandler(
    IOptions<SnapshotSettings> options, CliConsole console, TimeProvider time, RunDependencies dependencies, SettingsOrigins origins,
    TerminalProgress progress, ILogger<SnapshotHandler> logger) : ICommandHandler
{
    internal static string DirectoryOf(string output) =>
        output == "-" ? Path.GetTempPath() : Path.GetDirectoryName(Path.GetFullPath(output)) ?? Path.GetTempPath();

    public async Task<int> RunAsync(Activity? root, CancellationToken cancellationToken)
    {
        SnapshotSettings settings = options.Value;
        root?.SetTag(SpanAttributes.Mode, "snapshot");
        try
        {
            return settings.From is null
                ? await SnapshotClusterAsync(settings, root, cancellationToken).ConfigureAwait(false)
                : await ConvertAsync(settings.From, settings.Out!, root, cancellationToken).ConfigureAwait(false);
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
    }

    private static string Destination(string output) => output == "-" ? "standard output" : output;

    private static string Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        string.Join(", ", counts.Select(pair => $"{pair.Value} {pair.Key}"));

    private static IEnumerable<KeyValuePair<string, long>> Counts(IEnumerable<KeyValuePair<string, int>> counts) =>
        counts.Select(pair => new KeyValuePair<string, long>(pair.Key, pair.Value));

    /// <summary><c>--from</c>: load the file (no connection, no kubeconfig) and write it in the compact format.</summary>
    private async Task<int> ConvertAsync(string from, string output, Activity? root, CancellationToken cancellationToken)
    {
        string source = SnapshotInput.SourceOf(from);
        root?.SetTag(SpanAttributes.Source, source);
        root?.SetTag(SpanAttributes.SnapshotFile, source);

        // Loaded before anything is created, so a malformed file leaves no output behind.
        SnapshotLoadResult? loaded = await SnapshotInput.LoadAsync(from, origins[nameof(SnapshotSettings.From)], console, time, logger).ConfigureAwait(false);
        if (loaded is null)
        {
            return ExitCodes.InvalidInput;
        }

        cancellationToken.ThrowIfCancellationRequested();
        (int exitCode, long bytes) = await WriteOutputAsync(output, binary: true, (file, _) =>
        {
            CompactSnapshot.Write(file, loaded);
            return Task.CompletedTask;
        }, root, cancellationToken).ConfigureAwait(false);
        if (exitCode == ExitCodes.Success)
        {
            string counts = Counts(Counts(loaded.Statistics.ObjectsByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal)));
            Log.SnapshotConverted(logger, source, SnapshotCommand.Compact, Destination(output), counts, bytes);
        }

        return exitCode;
    }

    private async Task<int> SnapshotClusterAsync(SnapshotSettings settings, Activity? root, CancellationToken cancellationToken)
    {
        (KubernetesConnection? connection, int exitCode) = await LiveCommandSupport.ConnectAsync(
            dependencies.Connect, settings.Kubeconfig, settings.Context, console, logger, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return exitCode;
        }

        using (connection)
        {
            root?.SetTag(SpanAttributes.Source, connection.Description);
            root?.SetTag(SpanAttributes.Context, connection.Context);
            var readerOptions = new ClusterReaderOptions
            {
                PageSize = settings.PageSize,
                Metrics = settings.NoMetrics ? MetricsRequirement.Skip : MetricsRequirement.Optional,
            };
            return settings.IsCompact
                ? await WriteCompactAsync(connection, readerOptions, settings.Out!, root, cancellationToken).ConfigureAwait(false)
                : await WriteJsonAsync(connection, readerOptions, settings.Out!, root, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Streams the cluster's list pages into kubectl JSON; the cluster is never held in memory.</summary>
    private async Task<int> WriteJsonAsync(
        KubernetesConnection connection, ClusterReaderOptions readerOptions, string output, Activity? root, CancellationToken cancellationToken)
    {
        var writer = new ClusterSnapshotWriter(connection, readerOptions, progress.Reading(), time);
        SnapshotWriteResult? result = null;
        (int exitCode, long bytes) = await WriteOutputAsync(output, binary: false, async (file, token) =>
            result = await writer.WriteAsync(file, token).ConfigureAwait(false), root, cancellationToken).ConfigureAwait(false);
        if (exitCode != ExitCodes.Success || result is null)
        {
            return exitCode;
        }

        foreach (string warning in result.Warnings)
        {
            Log.ClusterWarning(logger, connection.Description, warning);
        }

        Log.SnapshotWritten(logger, SnapshotCommand.Json, connection.Description, Destination(output), Counts(result.ObjectsByResource), bytes);
        return exitCode;
    }

    /// <summary>Reads the cluster into a snapshot exactly as <c>run</c> does, then writes it in the compact format.</summary>
    private async Task<int> WriteCompactAsync(
        KubernetesConnection connection, ClusterReaderOptions readerOptions, string output, Activity? root, CancellationToken cancellationToken)
    {
        (ClusterReadResult? read, int readExitCode) = await LiveCommandSupport.ReadClusterAsync(
            connection, readerOptions, progress, time, logger, root, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            return readExitCode;
        }

        cancellationToken.ThrowIfCancellationRequested();
        CompactSnapshotProvenance provenance = CompactSnapshot.ProvenanceOf(read.Snapshot, read.Warnings);
        (int exitCode, long bytes) = await WriteOutputAsync(output, binary: true, (file, _) =>
        {
            CompactSnapshot.Write(file, read.Snapshot, provenance);
            return Task.CompletedTask;
        }, root, cancellationToken).ConfigureAwait(false);
        if (exitCode == ExitCodes.Success)
        {
            Log.SnapshotWritten(logger, SnapshotCommand.Compact, connection.Description, Destination(output), Counts(Counts(provenance.ObjectsByKind)), bytes);
        }

        return exitCode;
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a temporary file next to <paramref name="output"/>, then renames it into place,
    /// or copies it to standard output for <c>-</c>: a failed read or write never leaves half a snapshot at the
    /// destination or on standard output. Returns the exit code and the bytes written.
    /// </summary>
    private async Task<(int ExitCode, long Bytes)> WriteOutputAsync(
        string output, bool binary, Func<FileStream, CancellationToken, Task> write, Activity? root, CancellationToken cancellationToken)
    {
        bool toStdout = output == "-";
        string temporary = Path.Combine(DirectoryOf(output), $".rebalancer-snapshot-{Guid.NewGuid():N}.tmp");
        try
        {
            if (options.Value.CreateDirs)
            {
                OutputFile.CreateDirectoryOf(output);
            }

            long bytes;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                bytes = file.Length;
                if (toStdout)
                {
                    file.Position = 0;
                    await CopyToStandardOutputAsync(file, binary, cancellationToken).ConfigureAwait(false);
                }
            }

            if (!toStdout)
            {
                File.Move(temporary, output, overwrite: true);
            }

            return (ExitCodes.Success, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            root?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.SnapshotFailed(logger, $"--out {output}: {e.Message}");
            return (ExitCodes.Failure, 0);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private async Task CopyToStandardOutputAsync(FileStream file, bool binary, CancellationToken cancellationToken)
    {
        if (console.OpenStandardOutput is { } open)
        {
            // Whatever went through the text writer must come out first.
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await using Stream stdout = open();
            await file.CopyToAsync(stdout, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // A text-only standard output (tests capturing it) can take JSON; the validator refused binary output to it.
        if (binary)
        {
            throw new InvalidOperationException("binary output to a text-only standard output should have been refused at start");
        }

        using var reader = new StreamReader(file, leaveOpen: true);
        await console.Out.WriteAsync(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
