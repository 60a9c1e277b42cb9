using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Rebalancer.Testing.Prometheus;

/// <summary>The <c>prometheus</c> and <c>promtool</c> executables (Debian's <c>prometheus</c> package, .ci/install-prometheus.sh).</summary>
public static class PrometheusBinaries
{
    /// <summary><c>prometheus</c> on PATH (or <c>REBALANCER_PROMETHEUS_BIN</c>'s directory); null when absent.</summary>
    public static string? Prometheus { get; } = Find("prometheus");

    public static string? Promtool { get; } = Find("promtool");

    public static bool Available => Prometheus is not null && Promtool is not null;

    /// <summary>Why the real-Prometheus tests cannot run here, for their skip message.</summary>
    public const string MissingMessage =
        "prometheus and promtool are not on PATH: the real-Prometheus tests need Debian's prometheus package (.ci/install-prometheus.sh, or apt-get install prometheus)";

    /// <summary><c>prometheus --version</c>'s first line, e.g. <c>prometheus, version 2.42.0+ds (…)</c>.</summary>
    public static string Version()
    {
        if (Prometheus is null)
        {
            return "not installed";
        }

        (int _, string output) = ProcessRunner.Run(Prometheus, ["--version"], TimeSpan.FromSeconds(20));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
    }

    private static string? Find(string name)
    {
        string? dirs = Environment.GetEnvironmentVariable("REBALANCER_PROMETHEUS_BIN") is { Length: > 0 } bin
            ? bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH")
            : Environment.GetEnvironmentVariable("PATH");
        foreach (string dir in (dirs ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>Runs a short-lived process to completion with a deadline, output collected.</summary>
internal static class ProcessRunner
{
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {timeout.TotalSeconds:0} s:\n{output}");
        }

        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

/// <summary>
/// Backfilled TSDB blocks, cached by the content that made them: <c>promtool tsdb create-blocks-from openmetrics</c> runs
/// once per dataset per machine (the cache survives test runs; a lock file keeps two test processes from building the
/// same blocks at once). A Prometheus gets its own copy, since it writes to its storage directory.
/// </summary>
public static class BlockCache
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "rebalancer-prometheus-blocks");

    /// <param name="key">Identifies the dataset (its generator version and options); the directory is keyed by its hash.</param>
    /// <param name="write">Writes the dataset's OpenMetrics files into the given directory (one or more <c>*.om</c>).</param>
    /// <returns>The directory holding the blocks.</returns>
    public static string GetOrCreate(string key, Action<string> write, TimeSpan maxBlockDuration)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        string blocks = Path.Combine(Root, hash);
        Directory.CreateDirectory(Root);
        using FileStream gate = Lock(Path.Combine(Root, hash + ".lock"));
        if (Directory.Exists(blocks))
        {
            return blocks;
        }

        string work = Path.Combine(Root, $"{hash}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        string input = Path.Combine(work, "input");
        string output = Path.Combine(work, "blocks");
        Directory.CreateDirectory(input);
        Directory.CreateDirectory(output);
        try
        {
            write(input);
            foreach (string file in Directory.GetFiles(input, "*.om").Order(StringComparer.Ordinal))
            {
                (int code, string log) = ProcessRunner.Run(
                    PrometheusBinaries.Promtool ?? throw new InvalidOperationException(PrometheusBinaries.MissingMessage),
                    ["tsdb", "create-blocks-from", "openmetrics", $"--max-block-duration={(long)maxBlockDuration.TotalHours}h", file, output],
                    TimeSpan.FromMinutes(30));
                if (code != 0)
                {
                    throw new InvalidOperationException($"promtool failed on {file} ({code}):\n{log}");
                }

                File.Delete(file);
            }

            Directory.Move(output, blocks);
            return blocks;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static FileStream Lock(string path)
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }
}

/// <summary>
/// A Prometheus process over a copy of backfilled blocks, on a free loopback port, with no scrape targets and a
/// retention long enough for data in the past. Always killed: on <see cref="Dispose"/>, at process exit, and by a
/// watchdog that kills it if the process that started it dies without cleaning up (a crashed or killed test host).
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly Process? _watchdog;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private int _disposed;

    private PrometheusServer(Process process, Process? watchdog, string directory, Uri url)
    {
        _process = process;
        _watchdog = watchdog;
        _directory = directory;
        Url = url;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus over a copy of <paramref name="blocks"/> and waits until it is ready.</summary>
    /// <param name="arguments">Extra flags, e.g. <c>--query.max-samples=200000</c>.</param>
    public static async Task<PrometheusServer> StartAsync(string blocks, IEnumerable<string>? arguments = null, TimeSpan? readyTimeout = null)
    {
        string prometheus = PrometheusBinaries.Prometheus ?? throw new InvalidOperationException(PrometheusBinaries.MissingMessage);
        string directory = Directory.CreateTempSubdirectory("rebalancer-prometheus-").FullName;
        string data = Path.Combine(directory, "data");
        CopyDirectory(blocks, data);
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global: {}\nscrape_configs: []\n");
        int port = FreePort();
        var info = new ProcessStartInfo(prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{port}",
                     "--storage.tsdb.retention.time=100y", "--log.level=warn",
                 }.Concat(arguments ?? []))
        {
            info.ArgumentList.Add(argument);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        Process? watchdog = StartWatchdog(process.Id);
        var server = new PrometheusServer(process, watchdog, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(90));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Kill(_process);
        Kill(_watchdog);
        _process.Dispose();
        _watchdog?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment after the kill: the temp directory is cleaned up by the OS.
        }
    }

    private static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// A shell that waits for this process to end and then kills Prometheus: the safety net when the test host dies
    /// without running finalisers (killed, crashed). Best effort: without <c>sh</c> there is no watchdog.
    /// </summary>
    private static Process? StartWatchdog(int prometheusPid)
    {
        if (!File.Exists("/bin/sh"))
        {
            return null;
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {prometheusPid} 2>/dev/null; do sleep 1; done; kill {prometheusPid} 2>/dev/null");
        return Process.Start(info);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 1 << 20)
            {
                _log.AppendLine(line);
            }
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri(Url, "-/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy loading blocks.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"prometheus was not ready within {timeout.TotalSeconds:0} s:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
