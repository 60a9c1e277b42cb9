using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Logging;
using Rebalancer.Reporting;

namespace Rebalancer.Cli.Commands;

/// <summary>Options shared by the commands that print a report.</summary>
internal static class CommonOptions
{
    public static Option<string> Output()
    {
        var option = new Option<string>("--output")
        {
            Description = $"Report format: {string.Join(", ", ReportRenderers.Formats)}.",
            DefaultValueFactory = _ => "text",
        };
        option.AcceptOnlyFromAmong([.. ReportRenderers.Formats]);
        return option;
    }

    public static Option<string?> OutFile() => new("--out")
    {
        Description = "Write the report to this file instead of standard output ('-' is standard output). Its directory must exist (see --create-dirs).",
    };

    public static Option<bool> CreateDirs() => new(OutputFile.CreateDirsOption)
    {
        Description = "Create the missing directories of the output file. Without it a missing directory is an error (a typo should not create directories).",
    };

    public static Option<bool> TraceConsole() => new("--trace-console")
    {
        Description = "Print each finished trace span on standard error (OTLP export is configured by the OTEL_* variables; docs/telemetry.md).",
    };
}

/// <summary>
/// Writes a rendered report to a file or to standard output, and never loses it: <c>run</c> writes it after acting, so a
/// file that cannot be written (the disk is full, the directory went away) sends the report to standard output instead,
/// and if that fails too, to a file in the temporary directory; each step is logged, with where the report went.
/// </summary>
internal static class ReportOutput
{
    /// <returns>True when the report was written where <paramref name="outFile"/> says; false when it went elsewhere or nowhere (logged).</returns>
    public static async Task<bool> WriteAsync(
        string format, PlanReport report, string? outFile, bool createDirectories, CliConsole console, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);

        // A file gets the plain layout (no colours, no wrapping); standard output the console's.
        var destinations = new List<(string Name, Func<TextWriter> Open, bool Owned, ReportRenderOptions Options)>();
        if (outFile is not null && outFile != OutputFile.StandardOutput)
        {
            destinations.Add((outFile, () =>
            {
                if (createDirectories)
                {
                    OutputFile.CreateDirectoryOf(outFile);
                }

                return new StreamWriter(new FileStream(outFile, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
            }, true, ReportRenderOptions.Default));
        }

        destinations.Add(("standard output", () => console.Out, false, console.ReportOptions));
        string spare = Path.Combine(Path.GetTempPath(),
            $"rebalancer-report-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}.{ReportRenderers.FileExtension(format)}");
        destinations.Add((spare, () => new StreamWriter(new FileStream(spare, FileMode.CreateNew, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)),
            true, ReportRenderOptions.Default));

        for (int i = 0; i < destinations.Count; i++)
        {
            (string name, Func<TextWriter> open, bool owned, ReportRenderOptions options) = destinations[i];
            string? problem = await TryWriteAsync(ReportRenderers.Get(format, options), report, open, owned).ConfigureAwait(false);
            if (problem is null)
            {
                return i == 0;
            }

            if (i + 1 < destinations.Count)
            {
                Log.ReportNotWritten(logger, name, problem, destinations[i + 1].Name);
            }
            else
            {
                Log.ReportLost(logger, name, problem);
            }
        }

        return false;
    }

    /// <returns>Null when written, else why not.</returns>
    private static async Task<string?> TryWriteAsync(IReportRenderer renderer, PlanReport report, Func<TextWriter> open, bool owned)
    {
        try
        {
            TextWriter writer = open();
            try
            {
                renderer.Render(report, writer);
                await writer.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                if (owned)
                {
                    await writer.DisposeAsync().ConfigureAwait(false);
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
