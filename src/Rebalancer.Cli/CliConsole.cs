using Rebalancer.Reporting;

namespace Rebalancer.Cli;

/// <summary>The process's standard streams, injectable so end-to-end tests run the CLI in-process.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenStandardInput, bool IsTerminal)
{
    /// <summary>
    /// Standard output as bytes, for output that is not text (a compact snapshot with <c>-o -</c>): <see cref="Out"/>
    /// would re-encode it. Null when standard output is only a <see cref="TextWriter"/>, as in tests that capture text;
    /// binary output to standard output is then refused as invalid input.
    /// </summary>
    public Func<Stream>? OpenStandardOutput { get; init; }

    /// <summary>
    /// The terminal's columns when standard output is a terminal, for text reports laid out to fit it; null otherwise,
    /// and then tables are not wrapped at all: piped output and logs keep every name and reason on one line.
    /// </summary>
    public int? TerminalWidth { get; init; }

    /// <summary>How a text report is rendered to <see cref="Out"/>: colours and the terminal's width on a terminal only.</summary>
    public ReportRenderOptions ReportOptions => new() { Color = IsTerminal, Width = IsTerminal ? TerminalWidth : null };

    public static CliConsole System()
    {
        bool terminal = !Console.IsOutputRedirected;
        return new(Console.Out, Console.Error, Console.OpenStandardInput, terminal)
        {
            OpenStandardOutput = Console.OpenStandardOutput,
            TerminalWidth = terminal ? WindowWidth() : null,
        };
    }

    private static int? WindowWidth()
    {
        try
        {
            // A terminal narrower than a text report can be laid out in gets the narrowest layout instead.
            return Math.Max(Console.WindowWidth, TextReportRenderer.MinimumWidth);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
