using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rebalancer.Testing.ApiServer.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer;

/// <summary>
/// An in-memory Kubernetes API server on 127.0.0.1 (plain HTTP/1.1) that unchanged KubernetesClient and kubectl v1.32 can
/// talk to: discovery, list/watch/get/create/update/patch/delete of nodes, pods, PDBs, namespaces, priority classes, events,
/// apps workloads, the eviction subresource with the real server's PDB rules, and metrics.k8s.io. See README.md.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private const int MaxJournaledBody = 64 * 1024;

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;

    private TestApiServer(WebApplication app, CancellationTokenSource stopping, ClusterStore store, FaultInjector faults, RequestJournal journal, Uri baseUri)
    {
        _app = app;
        _stopping = stopping;
        Store = store;
        Faults = faults;
        Journal = journal;
        BaseUri = baseUri;
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The in-memory objects.</summary>
    public ClusterStore Store { get; }

    public FaultInjector Faults { get; }

    public RequestJournal Journal { get; }

    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new TestApiServerOptions();
        var store = new ClusterStore(options.TimeProvider, options.HistoryLimit) { InferWorkloadControllers = options.InferWorkloadControllers };
        if (options.SnapshotPath is not null)
        {
            store.LoadFile(options.SnapshotPath);
        }

        if (options.CreateMissingNamespaces)
        {
            store.EnsureNamespaces();
        }

        var faults = new FaultInjector(options.FaultSeed);
        var journal = new RequestJournal();
        var stopping = new CancellationTokenSource();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(TestApiServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>(); // never hook the test process's signals
        var app = builder.Build();

        var api = new ResourceApi(store, options, stopping.Token);
        app.Use((context, next) => JournalAndFaultsAsync(context, next, journal, faults, store, options.TimeProvider));
        app.MapGet("/version", context => Discovery.VersionAsync(context, options));
        app.MapFallback("{**path}", context =>
        {
            string path = context.Request.Path.Value ?? "/";
            if (path == "/api" || path.StartsWith("/api/", StringComparison.Ordinal) || path == "/apis" || path.StartsWith("/apis/", StringComparison.Ordinal))
            {
                return api.HandleAsync(context);
            }

            if (path.TrimEnd('/') is "/healthz" or "/livez" or "/readyz")
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                return context.Response.WriteAsync("ok", context.RequestAborted);
            }

            return Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath());
        });

        await app.StartAsync(ct).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
        return new TestApiServer(app, stopping, store, faults, journal, uri);
    }

    private static async Task JournalAndFaultsAsync(HttpContext context, RequestDelegate next, RequestJournal journal, FaultInjector faults, ClusterStore store, TimeProvider time)
    {
        var request = context.Request;
        string? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            request.EnableBuffering();
            using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
            char[] buffer = new char[MaxJournaledBody];
            int read = await reader.ReadBlockAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = new string(buffer, 0, read);
            request.Body.Position = 0;
        }

        var started = time.GetUtcNow();
        string? faultName = null;
        int recorded = 0;
        void Record(int status)
        {
            if (Interlocked.Exchange(ref recorded, 1) == 0)
            {
                journal.Add(started, request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", body, request.ContentType,
                    request.Headers.Accept.ToString(), request.Headers.UserAgent.ToString(), status, faultName);
            }
        }

        context.Response.OnStarting(() =>
        {
            Record(context.Response.StatusCode);
            return Task.CompletedTask;
        });

        bool aborted = false;
        try
        {
            var (latency, outcome) = faults.Evaluate(request, PageOf);
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, time, context.RequestAborted).ConfigureAwait(false);
            }

            if (outcome is null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            faultName = outcome.Kind.ToString();
            switch (outcome.Kind)
            {
                case FaultKind.Abort:
                    aborted = true;
                    context.Abort();
                    return;
                case FaultKind.ExpireContinue:
                    ContinueToken.TryDecode(request.Query["continue"].ToString(), out _, out string start, out int page);
                    await Responses.WriteStatusAsync(context, ResourceApi.ExpiredContinue(store.ResourceVersion, start, page)).ConfigureAwait(false);
                    return;
                default:
                    await Responses.WriteStatusAsync(context, FaultStatus(outcome)).ConfigureAwait(false);
                    return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            aborted = true;
        }
        finally
        {
            Record(aborted ? 0 : context.Response.StatusCode);
        }
    }

    private static int? PageOf(HttpRequest request)
    {
        string token = request.Query["continue"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            return HttpMethods.IsGet(request.Method) && !request.Query.ContainsKey("watch") ? 1 : null;
        }

        return ContinueToken.TryDecode(token, out _, out _, out int page) ? page : null;
    }

    private static KubeStatus FaultStatus(FaultRule rule)
    {
        string reason = rule.Reason ?? rule.StatusCode switch
        {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            409 => "Conflict",
            410 => "Expired",
            422 => "Invalid",
            429 => "TooManyRequests",
            500 => "InternalError",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ => "",
        };
        return new KubeStatus
        {
            Code = rule.StatusCode,
            Reason = reason.Length == 0 ? null : reason,
            Message = rule.Message ?? $"injected fault: {rule.StatusCode.ToString(CultureInfo.InvariantCulture)} {reason}".TrimEnd(),
            RetryAfterSeconds = rule.RetryAfterSeconds,
            HasDetails = rule.RetryAfterSeconds > 0,
        };
    }

    /// <summary>Writes a kubeconfig (cluster, user with a dummy bearer token, context with namespace default) pointing at this server.</summary>
    /// <returns>The full path written.</returns>
    public string WriteKubeconfig(string path, string contextName = "test")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(contextName);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, Kubeconfig(contextName));
        return full;
    }

    /// <summary>The kubeconfig YAML (plain http: kubectl and KubernetesClient accept it without TLS settings).</summary>
    public string Kubeconfig(string contextName = "test")
    {
        string server = BaseUri.GetLeftPart(UriPartial.Authority);
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: {server}
              name: {contextName}
            contexts:
            - context:
                cluster: {contextName}
                namespace: default
                user: {contextName}
              name: {contextName}
            current-context: {contextName}
            preferences: {"{}"}
            users:
            - name: {contextName}
              user:
                token: test-token

            """;
    }

    public KubernetesClientConfiguration ClientConfiguration() =>
        new() { Host = BaseUri.GetLeftPart(UriPartial.Authority), Namespace = "default" };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Store.Dispose();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }
}

/// <summary>A host lifetime that does not listen to process signals (the default one swallows SIGINT/SIGTERM).</summary>
internal sealed class PassiveLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
