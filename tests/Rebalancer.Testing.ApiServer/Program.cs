using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Rebalancer.Testing.ApiServer;

/// <summary>Standalone entry point:
/// <c>dotnet run --project tests/Rebalancer.Testing.ApiServer -- --snapshot FILE [--port N] [--kubeconfig-out FILE]</c>.</summary>
internal static class Program
{
    private const string Usage = """
        Usage: Rebalancer.Testing.ApiServer [--snapshot FILE] [--port N] [--kubeconfig-out FILE]
                                            [--pdb-controller-lag SECONDS] [--pod-deletion-delay SECONDS] [--verbose]

        Serves the objects of FILE (kubectl-shaped JSON: a v1 List, typed lists, NodeMetricsList/PodMetricsList;
        several documents one after another) as a Kubernetes v1.32 API on http://127.0.0.1:PORT until Ctrl+C / SIGTERM.
        With --kubeconfig-out, writes a kubeconfig for kubectl: kubectl --kubeconfig FILE get nodes
        """;

    public static async Task<int> Main(string[] args)
    {
        var options = new TestApiServerOptions();
        string? kubeconfig = null;
        double lag = 0, deletionDelay = 0;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--snapshot":
                        options.SnapshotPath = Value();
                        break;
                    case "--port":
                        options.Port = int.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--kubeconfig-out":
                        kubeconfig = Value();
                        break;
                    case "--pdb-controller-lag":
                        lag = double.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--pod-deletion-delay":
                        deletionDelay = double.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--verbose":
                        options.ConfigureLogging = logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information);
                        break;
                    case "-h":
                    case "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default:
                        throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        await using var server = await TestApiServer.StartAsync(options).ConfigureAwait(false);
        server.Store.PdbControllerLag = TimeSpan.FromSeconds(lag);
        server.Store.PodDeletionDelay = TimeSpan.FromSeconds(deletionDelay);
        Console.WriteLine($"Kubernetes API (test server, {options.GitVersion}) listening on {server.BaseUri.GetLeftPart(UriPartial.Authority)}");
        Console.WriteLine($"objects: {server.Store.Count("nodes")} nodes, {server.Store.Count("pods")} pods, {server.Store.Count("pdb")} PDBs, metrics {(server.Store.HasMetrics ? "served" : "absent")}");
        if (kubeconfig is not null)
        {
            string written = server.WriteKubeconfig(kubeconfig);
            Console.WriteLine($"kubeconfig written to {written}: kubectl --kubeconfig {written} get nodes");
        }

        Console.WriteLine("Press Ctrl+C to stop.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        return 0;
    }
}
