using System.Text;
using k8s;
using k8s.Models;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Prometheus;
using Rebalancer.Kubernetes.Tests.ApiServer;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>Where the bearer token comes from: a file, the policy's secret reference read through the (test) API server, the service account.</summary>
public sealed class PrometheusTokenTests
{
    private const string Path = "metricsProviders[0].prometheus.authToken.secretReference";

    [Theory]
    [InlineData("abc.def-ghi\n", "abc.def-ghi")]
    [InlineData("  token-with-spaces-around \r\n", "token-with-spaces-around")]
    public void A_token_file_is_read_without_its_line_end(string content, string token)
    {
        string file = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, content);
            Assert.Equal(token, PrometheusToken.ReadFile(file, "--prometheus-token-file"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("one\ntwo\n", "more than one line")]
    [InlineData(null, "cannot read the token file")]
    public void A_token_file_that_cannot_be_used_is_a_configuration_error_naming_the_option(string? content, string message)
    {
        string file = System.IO.Path.GetTempFileName();
        try
        {
            if (content is null)
            {
                File.Delete(file);
            }
            else
            {
                File.WriteAllText(file, content);
            }

            var e = Assert.Throws<PrometheusConfigurationException>(() => PrometheusToken.ReadFile(file, "usageHistory.client.tokenFile"));
            Assert.StartsWith("usageHistory.client.tokenFile: ", e.Message, StringComparison.Ordinal);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_service_account_token_is_used_only_when_mounted()
    {
        string file = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "sa-token\n");
            Assert.Equal("sa-token", PrometheusToken.ReadServiceAccountToken(file));
            Assert.Null(PrometheusToken.ReadServiceAccountToken(file + ".absent"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_secret_reference_is_read_through_the_cluster_from_the_prometheusAuthToken_key()
    {
        await using TestApiServer server = await ApiServerTestKit.StartDemoAsync();
        using k8s.Kubernetes client = ApiServerTestKit.Client(server);
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("authtoken", new() { [PrometheusToken.SecretKey] = Encoding.UTF8.GetBytes("from-the-secret\n") }), "kube-system");
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("wrong-key", new() { ["token"] = Encoding.UTF8.GetBytes("x") }), "kube-system");
        using KubernetesConnection connection = KubernetesConnection.FromConfiguration(server.ClientConfiguration(), "test API server");

        Assert.Equal("from-the-secret", await PrometheusToken.ReadSecretAsync(connection, new SecretReference("kube-system", "authtoken"), Path, CancellationToken.None));

        var missing = await Assert.ThrowsAsync<PrometheusConfigurationException>(() =>
            PrometheusToken.ReadSecretAsync(connection, new SecretReference("kube-system", "absent"), Path, CancellationToken.None));
        Assert.Equal($"{Path}: secret kube-system/absent not found in test API server", missing.Message);

        var noKey = await Assert.ThrowsAsync<PrometheusConfigurationException>(() =>
            PrometheusToken.ReadSecretAsync(connection, new SecretReference("kube-system", "wrong-key"), Path, CancellationToken.None));
        Assert.Contains("has no 'prometheusAuthToken' key", noKey.Message, StringComparison.Ordinal);
    }

    private static V1Secret Secret(string name, Dictionary<string, byte[]> data) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "kube-system" },
        Data = data,
    };
}
