using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Rebalancer.Cli.Hosting;

namespace Rebalancer.Cli.Tests;

/// <summary>Runs the whole CLI in-process with captured standard streams.</summary>
internal static class CliRunner
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DemoSnapshot => Path.Combine(RepoRoot, "samples", "demo-cluster.json");

    public static string DemoPolicy => Path.Combine(RepoRoot, "samples", "policy.yaml");

    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string[] args, string? stdin = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty)), IsTerminal: false);
        int code = await CliApp.RunAsync(args, console);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs with service overrides (exporters, a fake clock, fake connections) and an explicit environment instead of
    /// the process's, so tests that set <c>OTEL_*</c> or <c>REBALANCER_*</c> variables can run side by side.
    /// </summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(
        string[] args, Action<IServiceCollection>? services, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(output, error, () => new MemoryStream(), IsTerminal: false);
        int code = await CliApp.RunAsync(args, new CliContext(console, environment ?? new Dictionary<string, string?>(), services), cancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs with standard output available as bytes (<see cref="CliConsole.OpenStandardOutput"/>), as in the real process,
    /// for binary output such as a compact snapshot; <c>Out</c> is what went through the text writer.
    /// </summary>
    public static async Task<(int ExitCode, byte[] Bytes, string Out, string Error)> RunBinaryAsync(
        string[] args, Action<IServiceCollection>? services = null, byte[]? stdin = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        // The command disposes the stream it opens, as it would the process's; ToArray still works on a closed MemoryStream.
        var bytes = new MemoryStream();
        var console = new CliConsole(output, error, () => new MemoryStream(stdin ?? []), IsTerminal: false) { OpenStandardOutput = () => bytes };
        int code = await CliApp.RunAsync(args, new CliContext(console, new Dictionary<string, string?>(), services));
        return (code, bytes.ToArray(), output.ToString(), error.ToString());
    }

    /// <summary>
    /// The CLI's own build output: the copy next to the tests lacks the Microsoft.Extensions assemblies, which the test
    /// process takes from the ASP.NET Core shared framework (the test API server's) but <c>rebalancer</c> does not.
    /// </summary>
    public static string CliAssembly()
    {
        string tests = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        string configuration = Path.GetFileName(tests) is { } leaf && leaf.StartsWith("net", StringComparison.Ordinal)
            ? Path.GetFileName(Path.GetDirectoryName(tests)!)
            : Path.GetFileName(tests);
        string[] candidates =
        [
            Path.Combine(tests, "..", "..", "Rebalancer.Cli", configuration),                                              // --artifacts-path layout
            Path.Combine(RepoRoot, "src", "Rebalancer.Cli", "bin", configuration, Path.GetFileName(tests)),    // default layout
        ];
        string? found = candidates.Select(c => Path.GetFullPath(Path.Combine(c, "rebalancer.dll"))).FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"rebalancer.dll not found in: {string.Join(", ", candidates)}");
        return found;
    }

    /// <summary>The checkout this test was compiled from: found above the binaries, or above this source file when the
    /// build used a separate artifacts path.</summary>
    private static string FindRepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            string? directory = start;
            while (directory is not null && !File.Exists(Path.Combine(directory, "Rebalancer.sln")))
            {
                directory = Path.GetDirectoryName(directory);
            }

            if (directory is not null)
            {
                return directory;
            }
        }

        throw new InvalidOperationException("Rebalancer.sln not found above the test binaries or the test sources");
    }
}
