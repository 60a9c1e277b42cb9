namespace Rebalancer.Cli;

/// <summary>The process's standard streams, injectable so end-to-end tests run the CLI in-process.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenStandardInput, bool IsTerminal)
{
    public static CliConsole System() =>
        new(Console.Out, Console.Error, Console.OpenStandardInput, !Console.IsOutputRedirected);
}
