using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Rebalancer.Kubernetes.Live;

/// <summary>Why a connection could not be made; the CLI maps it to an exit code.</summary>
public enum ConnectionProblem
{
    /// <summary>No kubeconfig, an unknown context, a malformed file: the user must fix the configuration (exit 2).</summary>
    InvalidConfiguration,

    /// <summary>The API server could not be reached (DNS, refused, TLS, timeout) (exit 1).</summary>
    Unreachable,

    /// <summary>The API server refused the credentials (HTTP 401/403 on <c>/version</c>) (exit 1).</summary>
    Unauthorized,
}

/// <summary>The cluster cannot be connected to; the message names the kubeconfig file and the context.</summary>
public sealed class ClusterConnectionException : Exception
{
    public ClusterConnectionException(string message, ConnectionProblem problem, Exception? innerException = null)
        : base(message, innerException) => Problem = problem;

    public ConnectionProblem Problem { get; }
}

/// <summary>Where to find the cluster. Environment lookups are injectable so tests need not touch the process environment.</summary>
public sealed record KubernetesConnectionOptions
{
    /// <summary><c>--kubeconfig</c>: an explicit kubeconfig file; it must exist.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary><c>--context</c>: a context of the kubeconfig; default its <c>current-context</c>.</summary>
    public string? Context { get; init; }

    /// <summary>Reads an environment variable (<c>KUBECONFIG</c>, <c>HOME</c>).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Whether the process runs in a pod with a service account (<see cref="KubernetesClientConfiguration.IsInCluster"/>).</summary>
    public Func<bool> IsInCluster { get; init; } = KubernetesClientConfiguration.IsInCluster;

    /// <summary>The HTTP client's overall timeout for one request until its response headers arrive.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);
}

/// <summary>
/// A connection to one API server: the KubernetesClient <see cref="IKubernetes"/> plus raw HTTP access to it, used to
/// stream list pages without deserialising them. Resolution order: <c>--kubeconfig</c>, <c>$KUBECONFIG</c> (the first
/// listed file that exists and has the context), <c>~/.kube/config</c>, then the in-cluster service account. Unlike
/// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/> it never falls back to <c>http://localhost:8080</c>.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    /// <summary>
    /// Reads kubeconfig files with the settings <c>KubernetesYaml</c> applies to the kubeconfig model types (camelCase
    /// names, unmatched properties ignored, untyped scalars typed), but without it: its static initialiser reflects over
    /// every API model type to build three (de)serialisers, ~300 ms of CPU before <c>run</c> could contact the cluster,
    /// for a file that uses none of them. KubernetesClient locks around its deserialiser; so does <see cref="ReadKubeconfig"/>.
    /// </summary>
    private static readonly IDeserializer KubeconfigDeserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithAttemptingUnquotedStringTypeDeserialization()
        .IgnoreUnmatchedProperties()
        .Build();

    private static readonly Lock KubeconfigDeserializerLock = new();

    private readonly k8s.Kubernetes _client;

    private KubernetesConnection(k8s.Kubernetes client, string description, string? context, string? kubeconfig, KubernetesClientConfiguration configuration)
    {
        _client = client;
        Description = description;
        Context = context;
        KubeconfigPath = kubeconfig;
        Namespace = string.IsNullOrEmpty(configuration.Namespace) ? "default" : configuration.Namespace;
        SecurityWarnings = SecurityWarningsOf(configuration, client.BaseUri, description);
    }

    /// <summary>The KubernetesClient instance (typed operations).</summary>
    public IKubernetes Client => _client;

    /// <summary>The API server's base address (always ends with a slash).</summary>
    public Uri Server => _client.BaseUri;

    /// <summary>How the connection was made, for messages and reports: <c>context kind-demo (kubeconfig /home/me/.kube/config)</c>.</summary>
    public string Description { get; }

    /// <summary>The kubeconfig context used; null in-cluster.</summary>
    public string? Context { get; }

    /// <summary>The kubeconfig file used; null in-cluster.</summary>
    public string? KubeconfigPath { get; }

    /// <summary>
    /// The namespace this connection works in, as kubectl picks it: the kubeconfig context's <c>namespace</c>, in a pod
    /// the service account's namespace, else <c>default</c>. <c>run</c> keeps its lease there by default.
    /// </summary>
    public string Namespace { get; }

    /// <summary>
    /// What is unsafe about how this connection reaches the server: certificate checks turned off
    /// (<c>insecure-skip-tls-verify</c>), or credentials sent over plain <c>http://</c>. Empty when nothing is. The
    /// commands log each once and add them to the report's warnings.
    /// </summary>
    public IReadOnlyList<string> SecurityWarnings { get; }

    /// <summary>Resolves the configuration and creates the client; does not contact the server (see <see cref="VerifyAsync"/>).</summary>
    /// <exception cref="ClusterConnectionException">No usable configuration (always <see cref="ConnectionProblem.InvalidConfiguration"/>).</exception>
    public static KubernetesConnection Open(KubernetesConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? kubeconfig = FindKubeconfig(options);
        if (kubeconfig is null)
        {
            if (options.Context is not null)
            {
                throw new ClusterConnectionException(
                    $"--context {options.Context}: no kubeconfig found ({SearchedLocations(options)}); a context needs a kubeconfig file",
                    ConnectionProblem.InvalidConfiguration);
            }

            if (!options.IsInCluster())
            {
                throw new ClusterConnectionException(
                    $"no cluster configuration: no kubeconfig found ({SearchedLocations(options)}) and not running in a pod with a service account. " +
                    "Pass --kubeconfig FILE or set KUBECONFIG.",
                    ConnectionProblem.InvalidConfiguration);
            }

            try
            {
                KubernetesClientConfiguration inCluster = KubernetesClientConfiguration.InClusterConfig();
                inCluster.HttpClientTimeout = options.RequestTimeout;
                return new KubernetesConnection(new k8s.Kubernetes(inCluster), "in-cluster service account", null, null, inCluster);
            }
            catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw new ClusterConnectionException($"in-cluster service account configuration is unusable: {e.Message}", ConnectionProblem.InvalidConfiguration, e);
            }
        }

        (K8SConfiguration file, string context) = ResolveContext(kubeconfig, options.Context);
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigObject(file, context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ClusterConnectionException($"kubeconfig {kubeconfig}, context {context}: {e.Message}", ConnectionProblem.InvalidConfiguration, e);
        }

        return FromConfiguration(config, $"context {context} (kubeconfig {kubeconfig})", context, kubeconfig, options.RequestTimeout);
    }

    /// <summary>A connection from a ready configuration (tests: <c>new KubernetesClientConfiguration { Host = … }</c>).</summary>
    public static KubernetesConnection FromConfiguration(KubernetesClientConfiguration configuration, string description, string? context = null, string? kubeconfig = null, TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(description);
        if (string.IsNullOrWhiteSpace(configuration.Host))
        {
            throw new ClusterConnectionException($"{description}: no API server address", ConnectionProblem.InvalidConfiguration);
        }

        if (requestTimeout is TimeSpan timeout)
        {
            configuration.HttpClientTimeout = timeout;
        }

        try
        {
            return new KubernetesConnection(new k8s.Kubernetes(configuration), description, context, kubeconfig, configuration);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ClusterConnectionException($"{description}: {e.Message}", ConnectionProblem.InvalidConfiguration, e);
        }
    }

    /// <summary>Contacts the server (<c>GET /version</c>) so an unreachable server or rejected credentials fail early and clearly.</summary>
    /// <returns>The server's <c>gitVersion</c>, or null when it did not say.</returns>
    /// <exception cref="ClusterConnectionException"><see cref="ConnectionProblem.Unreachable"/> or <see cref="ConnectionProblem.Unauthorized"/>.</exception>
    public async Task<string?> VerifyAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "version");
            response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransportError(e))
        {
            throw new ClusterConnectionException($"cannot reach the API server {Server} ({Description}): {TransportMessage(e)}", ConnectionProblem.Unreachable, e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new ClusterConnectionException(
                    $"the API server {Server} refused the credentials of {Description} (HTTP {(int)response.StatusCode})", ConnectionProblem.Unauthorized);
            }

            if (!response.IsSuccessStatusCode)
            {
                return null; // Some proxies hide /version; the reads that follow report real problems.
            }

            try
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                using JsonDocument json = JsonDocument.Parse(body);
                return json.RootElement.TryGetProperty("gitVersion", out JsonElement version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Sends a raw request with the connection's credentials. <paramref name="request"/>'s URI is relative to
    /// <see cref="Server"/> (no leading slash, so a path prefix in the server address is kept). The response is returned
    /// as soon as its headers arrive, whatever its status; the caller owns and disposes it.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            request.RequestUri = new Uri(_client.BaseUri, relative);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// The warnings of <see cref="SecurityWarnings"/>. Plain http matters only with credentials: a bearer token (static,
    /// from a token file or an exec plugin) or basic auth travels in clear text with every request, and a server that
    /// answers on http cannot be authenticated at all. A proxy on localhost without credentials (<c>kubectl proxy</c>)
    /// gets no warning.
    /// </summary>
    private static List<string> SecurityWarningsOf(KubernetesClientConfiguration configuration, Uri server, string description)
    {
        var warnings = new List<string>();
        bool https = server.Scheme == Uri.UriSchemeHttps;
        if (https && configuration.SkipTlsVerify)
        {
            warnings.Add($"{description}: insecure-skip-tls-verify is set: the API server {server} is not authenticated (its certificate is not " +
                "checked), so anyone who can intercept the connection can impersonate it and receive the credentials");
        }

        string? credentials = !string.IsNullOrEmpty(configuration.AccessToken) || configuration.TokenProvider is not null ? "a bearer token"
            : !string.IsNullOrEmpty(configuration.Username) ? "a user name and password (basic auth)"
            : null;
        if (!https && credentials is not null)
        {
            warnings.Add($"{description}: the API server {server} is plain {server.Scheme}, and {credentials} is sent with every request: " +
                "the credentials and every answer travel unencrypted, and the server is not authenticated");
        }

        return warnings;
    }

    /// <summary>Errors of the transport (not of the API): connection refused, DNS, TLS, reset, client timeout.</summary>
    internal static bool IsTransportError(Exception e) =>
        e is HttpRequestException or IOException or TaskCanceledException or System.Security.Authentication.AuthenticationException;

    internal static string TransportMessage(Exception e) => e switch
    {
        TaskCanceledException => "the request timed out",
        HttpRequestException { InnerException: { } inner } h => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };

    private static string? FindKubeconfig(KubernetesConnectionOptions options)
    {
        if (options.Kubeconfig is not null)
        {
            return File.Exists(options.Kubeconfig)
                ? Path.GetFullPath(options.Kubeconfig)
                : throw new ClusterConnectionException($"--kubeconfig {options.Kubeconfig}: file not found", ConnectionProblem.InvalidConfiguration);
        }

        string? variable = options.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(variable))
        {
            string[] files = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => f.Trim('"'))
                .Where(File.Exists)
                .ToArray();
            if (files.Length == 0)
            {
                throw new ClusterConnectionException($"KUBECONFIG={variable}: none of the listed files exists", ConnectionProblem.InvalidConfiguration);
            }

            if (files.Length == 1 || options.Context is null)
            {
                // kubectl merges the list; the first file that sets a current-context decides it.
                return Path.GetFullPath(options.Context is null ? files.FirstOrDefault(HasCurrentContext) ?? files[0] : files[0]);
            }

            return Path.GetFullPath(files.FirstOrDefault(f => ContextNames(f).Contains(options.Context, StringComparer.Ordinal)) ?? files[0]);
        }

        string? home = options.GetEnvironmentVariable("HOME") ?? options.GetEnvironmentVariable("USERPROFILE");
        if (string.IsNullOrEmpty(home))
        {
            return null;
        }

        string defaultFile = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultFile) ? defaultFile : null;
    }

    private static string SearchedLocations(KubernetesConnectionOptions options)
    {
        string? home = options.GetEnvironmentVariable("HOME") ?? options.GetEnvironmentVariable("USERPROFILE");
        return home is null ? "KUBECONFIG is not set" : $"KUBECONFIG is not set and {Path.Combine(home, ".kube", "config")} does not exist";
    }

    /// <summary>The parsed file and the context to use: the requested one, which must exist, or the file's current-context.</summary>
    private static (K8SConfiguration File, string Context) ResolveContext(string kubeconfig, string? requested)
    {
        K8SConfiguration file;
        try
        {
            file = ReadKubeconfig(kubeconfig);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ClusterConnectionException($"kubeconfig {kubeconfig}: cannot be read: {e.Message}", ConnectionProblem.InvalidConfiguration, e);
        }

        List<string> names = (file.Contexts ?? []).Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToList();
        string available = names.Count == 0 ? "it defines no contexts" : "contexts: " + string.Join(", ", names);
        if (requested is not null)
        {
            return names.Contains(requested, StringComparer.Ordinal)
                ? (file, requested)
                : throw new ClusterConnectionException($"kubeconfig {kubeconfig}: no context named {requested} ({available})", ConnectionProblem.InvalidConfiguration);
        }

        if (string.IsNullOrEmpty(file.CurrentContext))
        {
            throw new ClusterConnectionException($"kubeconfig {kubeconfig}: no current-context is set; pass --context ({available})", ConnectionProblem.InvalidConfiguration);
        }

        return names.Contains(file.CurrentContext, StringComparer.Ordinal)
            ? (file, file.CurrentContext)
            : throw new ClusterConnectionException($"kubeconfig {kubeconfig}: current-context {file.CurrentContext} is not defined ({available})", ConnectionProblem.InvalidConfiguration);
    }

    private static List<string> ContextNames(string kubeconfig)
    {
        try
        {
            return (ReadKubeconfig(kubeconfig).Contexts ?? []).Select(c => c.Name).ToList();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [];
        }
    }

    private static bool HasCurrentContext(string kubeconfig)
    {
        try
        {
            return !string.IsNullOrEmpty(ReadKubeconfig(kubeconfig).CurrentContext);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>
    /// What <see cref="KubernetesClientConfiguration.LoadKubeConfig(FileInfo, bool)"/> returns with relative paths on:
    /// the file's model, with <see cref="K8SConfiguration.FileName"/> set so relative certificate and key paths resolve
    /// next to the file. An empty file has no model: it is reported as empty, where KubernetesClient failed with a
    /// <see cref="NullReferenceException"/>.
    /// </summary>
    private static K8SConfiguration ReadKubeconfig(string kubeconfig)
    {
        string text = File.ReadAllText(kubeconfig);
        K8SConfiguration? file;
        lock (KubeconfigDeserializerLock)
        {
            file = KubeconfigDeserializer.Deserialize<K8SConfiguration?>(new MergingParser(new Parser(new StringReader(text))));
        }

        if (file is null)
        {
            throw new KubeConfigException("the file is empty");
        }

        file.FileName = Path.GetFullPath(kubeconfig);
        return file;
    }
}
