using System.CommandLine;
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
        Description = "Write the report to this file instead of standard output.",
    };

    public static Option<bool> TraceConsole() => new("--trace-console")
    {
        Description = "Print each finished trace span on standard error (OTLP export is configured by the OTEL_* variables; docs/telemetry.md).",
    };
}

/// <summary>Writes a rendered report to a file or to standard output.</summary>
internal static class ReportOutput
{
    public static async Task WriteAsync(string format, PlanReport report, string? outFile, CliConsole console)
    {
        if (outFile is null)
        {
            // Colour only on a terminal: piped output and CronJob logs stay plain.
            ReportRenderers.Get(format, new ReportRenderOptions { Color = console.IsTerminal }).Render(report, console.Out);
            await console.Out.FlushAsync().ConfigureAwait(false);
            return;
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(outFile));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var writer = new StreamWriter(outFile, append: false, new System.Text.UTF8Encoding(false));
        ReportRenderers.Get(format).Render(report, writer);
    }
}
