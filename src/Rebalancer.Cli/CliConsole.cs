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

    public static CliConsole System() =>
        new(Console.Out, Console.Error, Console.OpenStandardInput, !Console.IsOutputRedirected) { OpenStandardOutput = Console.OpenStandardOutput };
}
