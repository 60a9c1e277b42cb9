using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>Paths in the repository: found by walking up to Rebalancer.sln from the test binaries, else from this source file.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string DemoSnapshot => Path.Combine(Root, "samples", "demo-cluster.json");

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Rebalancer.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Rebalancer.sln not found above the test binaries or the test sources");
    }
}

/// <summary>Starting servers, small hand-made clusters, and reading API errors the way a client must (§7.3 of the spec).</summary>
internal static class ApiServerTestKit
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    public static Task<TestApiServer> StartDemoAsync() =>
        TestApiServer.StartAsync(new TestApiServerOptions { SnapshotPath = RepoPaths.DemoSnapshot });

    public static Task<TestApiServer> StartEmptyAsync(TimeProvider? time = null) =>
        TestApiServer.StartAsync(new TestApiServerOptions { TimeProvider = time ?? TimeProvider.System });

    public static k8s.Kubernetes Client(TestApiServer server) => new(server.ClientConfiguration());

    public static CancellationToken Timeout() => new CancellationTokenSource(TestTimeout).Token;

    /// <summary>Runs a call that must fail; returns the HTTP status, the parsed <c>V1Status</c> and the response headers.</summary>
    public static async Task<(HttpStatusCode Code, V1Status Status, HttpOperationException Error)> FailsAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Status", status.Kind);
        Assert.Equal("Failure", status.Status);
        Assert.Equal((int)error.Response.StatusCode, status.Code);
        return (error.Response.StatusCode, status, error);
    }

    public static string? Header(HttpOperationException error, string name) =>
        error.Response.Headers.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;

    public static V1Eviction Eviction(string ns, string name, bool dryRun = false, string? uid = null) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "Eviction",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        DeleteOptions = dryRun || uid is not null
            ? new V1DeleteOptions { DryRun = dryRun ? ["All"] : null, Preconditions = uid is null ? null : new V1Preconditions { Uid = uid } }
            : null,
    };

    // ------------------------------------------------------------------------------------------------------------------
    // Small clusters as kubectl would print them

    /// <summary>Replaces <c>@KEY@</c> placeholders (JSON templates stay readable without interpolation escapes).</summary>
    private static string Fill(string template, params (string Key, string Value)[] values)
    {
        foreach (var (key, value) in values)
        {
            template = template.Replace("@" + key + "@", value, StringComparison.Ordinal);
        }

        return template;
    }

    public static string Node(string name, bool unschedulable = false, string labels = "") => Fill("""
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"@NAME@","labels":{"kubernetes.io/hostname":"@NAME@"@LABELS@}},
         "spec":@SPEC@,
         "status":{"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"},"capacity":{"cpu":"4","memory":"16Gi","pods":"110"},
                   "conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.32.4"}}}
        """, ("NAME", name), ("LABELS", labels), ("SPEC", unschedulable ? """{"unschedulable":true}""" : "{}"));

    /// <summary>A pod; <paramref name="owner"/> is a ReplicaSet (or other kind) name that becomes its controller reference.</summary>
    public static string Pod(string ns, string name, string labels = "\"app\":\"web\"", string node = "node-a", string phase = "Running",
        bool ready = true, string? owner = null, string ownerKind = "ReplicaSet", string? uid = null)
    {
        string ownerRefs = owner is null ? "" : Fill(""","ownerReferences":[{"apiVersion":"apps/v1","kind":"@KIND@","name":"@OWNER@","uid":"uid-@OWNER@","controller":true,"blockOwnerDeletion":true}]""",
            ("KIND", ownerKind), ("OWNER", owner));
        return Fill("""
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"@NAME@","namespace":"@NS@","uid":"@UID@","labels":{@LABELS@},"creationTimestamp":"2025-01-01T00:00:00Z"@OWNERREFS@},
             "spec":{"nodeName":"@NODE@","containers":[{"name":"app","image":"nginx:1.27"}]},
             "status":{"phase":"@PHASE@","conditions":[{"type":"Ready","status":"@READY@"}],
                       "containerStatuses":[{"name":"app","ready":@READYFLAG@,"restartCount":0,"state":{"running":{}}}]}}
            """, ("NAME", name), ("NS", ns), ("UID", uid ?? "uid-" + name), ("LABELS", labels), ("OWNERREFS", ownerRefs), ("NODE", node),
            ("PHASE", phase), ("READY", ready ? "True" : "False"), ("READYFLAG", ready ? "true" : "false"));
    }

    /// <summary>A PDB without status (the controller fills it in); <paramref name="budget"/> is e.g. <c>"minAvailable":2</c>.</summary>
    public static string Pdb(string ns, string name, string budget, string selector = """{"matchLabels":{"app":"web"}}""", string extraSpec = "") => Fill("""
        {"apiVersion":"policy/v1","kind":"PodDisruptionBudget",
         "metadata":{"name":"@NAME@","namespace":"@NS@","generation":1},
         "spec":{@BUDGET@,"selector":@SELECTOR@@EXTRA@}}
        """, ("NAME", name), ("NS", ns), ("BUDGET", budget), ("SELECTOR", selector), ("EXTRA", extraSpec));

    public static string ReplicaSet(string ns, string name, int replicas, string? deployment = null)
    {
        string owner = deployment is null ? "" : Fill(""","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"@D@","uid":"uid-@D@","controller":true}]""", ("D", deployment));
        return Fill("""
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"@NAME@","namespace":"@NS@","uid":"uid-@NAME@"@OWNER@},
             "spec":{"replicas":@REPLICAS@,"selector":{"matchLabels":{"app":"web"}}}}
            """, ("NAME", name), ("NS", ns), ("OWNER", owner), ("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public static string Deployment(string ns, string name, int replicas) => Fill("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"@NAME@","namespace":"@NS@","uid":"uid-@NAME@"},
         "spec":{"replicas":@REPLICAS@,"selector":{"matchLabels":{"app":"web"}}}}
        """, ("NAME", name), ("NS", ns), ("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static string List(params string[] items) =>
        """{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[""" + string.Join(",\n", items) + "]}";

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0}s waiting for: {what}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A fact that is skipped, with a reason, when kubectl is not on PATH.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Executable is null)
        {
            Skip = "kubectl is not on PATH: the kubectl-against-the-test-server tests need kubectl v1.32 (any dispatcher or plain binary)";
        }
    }
}

/// <summary>Runs the real kubectl against a test server: fresh discovery cache per instance, bounded time, output captured.</summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string _directory;

    public Kubectl(TestApiServer server)
    {
        _directory = Directory.CreateTempSubdirectory("rebalancer-kubectl-").FullName;
        KubeconfigPath = server.WriteKubeconfig(Path.Combine(_directory, "config"));
    }

    public static string? Executable { get; } = Find();

    public string KubeconfigPath { get; }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts kubectl with <c>--kubeconfig</c> and a private <c>--cache-dir</c>; output is collected as it arrives.</summary>
    public KubectlProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("kubectl not found"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(KubeconfigPath);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(_directory, "cache"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBECONFIG"] = KubeconfigPath;
        info.Environment["HOME"] = _directory;
        return new KubectlProcess(Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start"), string.Join(' ', args));
    }

    /// <summary>Runs kubectl to completion (killed after <paramref name="timeout"/>, default 60 s).</summary>
    public async Task<KubectlResult> RunAsync(string[] args, TimeSpan? timeout = null)
    {
        using var process = Start(args);
        return await process.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

internal sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

internal sealed class KubectlProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Task _readers;

    public KubectlProcess(Process process, string command)
    {
        _process = process;
        Command = command;
        _process.StandardInput.Close();
        _readers = Task.WhenAll(Pump(process.StandardOutput, _output), Pump(process.StandardError, _error));
    }

    public string Command { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    private static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        char[] buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (sink)
            {
                sink.Append(buffer, 0, read);
            }
        }
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>; fails with both streams on timeout or early exit.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout || (_process.HasExited && !Output.Contains(text, StringComparison.Ordinal) && clock.Elapsed > TimeSpan.FromSeconds(1)))
            {
                Assert.Fail($"kubectl {Command}: '{text}' not printed within {timeout.TotalSeconds:0}s\n--- stdout\n{Output}\n--- stderr\n{Error}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<KubectlResult> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _readers.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Fail($"kubectl {Command} did not finish within {timeout.TotalSeconds:0}s\n--- stdout\n{Output}\n--- stderr\n{Error}");
        }

        await _readers.WaitAsync(TimeSpan.FromSeconds(10));
        return new KubectlResult(_process.ExitCode, Output, Error);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
