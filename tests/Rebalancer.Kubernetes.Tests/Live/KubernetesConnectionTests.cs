using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"rebalancer-home-{Guid.NewGuid():N}");

    public KubernetesConnectionTests() => Directory.CreateDirectory(_home);

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private KubernetesConnectionOptions Options(string? kubeconfigVariable = null, bool inCluster = false) => new()
    {
        GetEnvironmentVariable = name => name switch
        {
            "HOME" => _home,
            "KUBECONFIG" => kubeconfigVariable,
            _ => null,
        },
        IsInCluster = () => inCluster,
    };

    [Fact]
    public void Open_Should_FailClearly_When_NoConfigurationExists()
    {
        var error = Assert.Throws<ClusterConnectionException>(() => KubernetesConnection.Open(Options()));

        Assert.Equal(ConnectionProblem.InvalidConfiguration, error.Problem);
        Assert.Contains(Path.Combine(_home, ".kube", "config"), error.Message, StringComparison.Ordinal);
        Assert.Contains("--kubeconfig", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_Should_UseTheDefaultKubeconfig_When_NothingElseIsGiven()
    {
        await using TestApiServer server = await TestApiServer.StartAsync();
        server.WriteKubeconfig(Path.Combine(_home, ".kube", "config"), "home");

        using KubernetesConnection connection = KubernetesConnection.Open(Options());

        Assert.Equal("home", connection.Context);
        Assert.Equal(server.BaseUri.GetLeftPart(UriPartial.Authority) + "/", connection.Server.ToString());
        Assert.Equal("v1.32.4", await connection.VerifyAsync(Timeout()));
    }

    [Fact]
    public async Task Open_Should_PickTheFileWithTheContext_When_KubeconfigListsSeveral()
    {
        await using TestApiServer a = await TestApiServer.StartAsync();
        await using TestApiServer b = await TestApiServer.StartAsync();
        string first = a.WriteKubeconfig(Path.Combine(_home, "a.yaml"), "alpha");
        string second = b.WriteKubeconfig(Path.Combine(_home, "b.yaml"), "beta");

        using KubernetesConnection connection = KubernetesConnection.Open(
            Options(kubeconfigVariable: first + Path.PathSeparator + second) with { Context = "beta" });

        Assert.Equal(second, connection.KubeconfigPath);
        Assert.Equal(b.BaseUri.Port, connection.Server.Port);
    }

    [Fact]
    public async Task Open_Should_ListTheContexts_When_TheContextIsUnknown()
    {
        await using TestApiServer server = await TestApiServer.StartAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_home, "config"), "staging");

        var error = Assert.Throws<ClusterConnectionException>(() => KubernetesConnection.Open(Options() with { Kubeconfig = kubeconfig, Context = "prod" }));

        Assert.Equal(ConnectionProblem.InvalidConfiguration, error.Problem);
        Assert.Equal($"kubeconfig {kubeconfig}: no context named prod (contexts: staging)", error.Message);
    }

    [Fact]
    public void Open_Should_ResolveCertificatePathsNextToTheKubeconfig_When_TheyAreRelative()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 ca = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(Path.Combine(_home, "ca.crt"), ca.Export(X509ContentType.Cert));
        string kubeconfig = Path.Combine(_home, "config");
        File.WriteAllText(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: tls
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: ca.crt
            contexts:
            - name: tls
              context: {cluster: tls, user: tls}
            current-context: tls
            preferences: {colors: true}
            users:
            - name: tls
              user: {token: abc}
            """);

        using KubernetesConnection connection = KubernetesConnection.Open(Options() with { Kubeconfig = kubeconfig });

        Assert.Equal("tls", connection.Context);
        Assert.Equal("https://127.0.0.1:6443/", connection.Server.ToString());
    }

    private string Kubeconfig(string server, string cluster = "", string user = "{token: abc}", string context = "")
    {
        string kubeconfig = Path.Combine(_home, "config-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: {{server}}
            {{cluster}}
            contexts:
            - name: c
              context: {cluster: c, user: u{{context}}}
            current-context: c
            users:
            - name: u
              user: {{user}}
            """);
        return kubeconfig;
    }

    [Theory]
    [InlineData("http://127.0.0.1:8001", "", "{token: abc}", "the API server http://127.0.0.1:8001/ is plain http, and a bearer token is sent with every request: the credentials and every answer travel unencrypted, and the server is not authenticated")]
    [InlineData("http://127.0.0.1:8001", "", "{username: admin, password: secret}", "the API server http://127.0.0.1:8001/ is plain http, and a user name and password (basic auth) is sent with every request: the credentials and every answer travel unencrypted, and the server is not authenticated")]
    [InlineData("https://127.0.0.1:6443", "    insecure-skip-tls-verify: true", "{token: abc}", "insecure-skip-tls-verify is set: the API server https://127.0.0.1:6443/ is not authenticated (its certificate is not checked), so anyone who can intercept the connection can impersonate it and receive the credentials")]
    [InlineData("https://127.0.0.1:6443", "", "{token: abc}", null)]
    public void Open_Should_WarnOnce_When_TheConnectionIsNotSafe(string server, string cluster, string user, string? expected)
    {
        string kubeconfig = Kubeconfig(server, cluster, user);

        using KubernetesConnection connection = KubernetesConnection.Open(Options() with { Kubeconfig = kubeconfig });

        Assert.Equal(expected is null ? [] : [$"context c (kubeconfig {kubeconfig}): {expected}"], connection.SecurityWarnings);
    }

    [Fact]
    public void FromConfiguration_Should_NotWarn_When_PlainHttpCarriesNoCredentials()
    {
        // kubectl proxy on localhost: nothing to leak (a kubeconfig user without credentials is refused by KubernetesClient).
        using KubernetesConnection connection = KubernetesConnection.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = "http://127.0.0.1:8001" }, "proxy");

        Assert.Empty(connection.SecurityWarnings);
    }

    [Theory]
    [InlineData(", namespace: ops", "ops")]
    [InlineData("", "default")]
    public void Open_Should_TakeTheNamespaceOfTheContext(string context, string expected)
    {
        using KubernetesConnection connection = KubernetesConnection.Open(Options() with { Kubeconfig = Kubeconfig("https://127.0.0.1:6443", context: context) });

        Assert.Equal(expected, connection.Namespace);
    }

    [Fact]
    public void Open_Should_FailClearly_When_TheKubeconfigIsEmpty()
    {
        string kubeconfig = Path.Combine(_home, "config");
        File.WriteAllText(kubeconfig, string.Empty);

        var error = Assert.Throws<ClusterConnectionException>(() => KubernetesConnection.Open(Options() with { Kubeconfig = kubeconfig }));

        Assert.Equal(ConnectionProblem.InvalidConfiguration, error.Problem);
        Assert.Equal($"kubeconfig {kubeconfig}: cannot be read: the file is empty", error.Message);
    }

    [Fact]
    public async Task Verify_Should_ReportUnreachable_When_NothingListens()
    {
        string kubeconfig;
        await using (TestApiServer server = await TestApiServer.StartAsync())
        {
            kubeconfig = server.WriteKubeconfig(Path.Combine(_home, "config"), "gone");
        }

        using KubernetesConnection connection = KubernetesConnection.Open(Options() with { Kubeconfig = kubeconfig });
        var error = await Assert.ThrowsAsync<ClusterConnectionException>(() => connection.VerifyAsync(Timeout()));

        Assert.Equal(ConnectionProblem.Unreachable, error.Problem);
        Assert.Contains("context gone", error.Message, StringComparison.Ordinal);
    }
}
