using System.Collections;
using Microsoft.Extensions.DependencyInjection;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// The outside world of one invocation: the standard streams, the environment variables (configuration and the
/// standard <c>OTEL_*</c> variables are read from here, never from the process directly, so tests can run side by
/// side), and service overrides for tests (exporters, a fake clock, fake cluster connections).
/// </summary>
internal sealed record CliContext(CliConsole Console, IReadOnlyDictionary<string, string?> Environment, Action<IServiceCollection>? ConfigureServices = null)
{
    public static CliContext ForProcess(CliConsole console) => new(console, ProcessEnvironment());

    private static Dictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return variables;
    }
}
