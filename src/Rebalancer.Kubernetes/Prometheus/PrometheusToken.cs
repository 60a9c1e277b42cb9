using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Live;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>
/// Where the bearer token for Prometheus comes from, as the descheduler resolves it (v0.36,
/// <c>prom_client_controller.go</c>): the secret named by <c>metricsProviders[].prometheus.authToken.secretReference</c>
/// (its <c>prometheusAuthToken</c> key, read through the cluster), else — inside a pod — the service account's own
/// token. Rebalancer adds a token file (<c>--prometheus-token-file</c> or <c>usageHistory.client.tokenFile</c>), which
/// wins over both. A reference or file that cannot be used is a configuration error naming it.
/// </summary>
public static class PrometheusToken
{
    /// <summary>The secret key the descheduler reads the token from.</summary>
    public const string SecretKey = "prometheusAuthToken";

    public const string ServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>The pod's cluster CA, which the descheduler trusts for an https Prometheus.</summary>
    public const string ServiceAccountCaFile = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

    /// <summary>Reads a token file (surrounding whitespace and a trailing newline are not part of the token).</summary>
    /// <param name="origin">Where the path came from (<c>--prometheus-token-file</c>, <c>usageHistory.client.tokenFile</c>), for the error.</param>
    /// <exception cref="PrometheusConfigurationException">The file cannot be read or is empty.</exception>
    public static string ReadFile(string path, string origin)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PrometheusConfigurationException($"{origin}: cannot read the token file {path}: {e.Message}", e);
        }

        string token = text.Trim();
        if (token.Length == 0)
        {
            throw new PrometheusConfigurationException($"{origin}: the token file {path} is empty");
        }

        if (token.Any(c => c is '\r' or '\n'))
        {
            throw new PrometheusConfigurationException($"{origin}: the token file {path} holds more than one line; a bearer token is one line");
        }

        return token;
    }

    /// <summary>The service account token when running in a pod with one mounted; null otherwise.</summary>
    public static string? ReadServiceAccountToken(string path = ServiceAccountTokenFile)
    {
        try
        {
            string token = File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8).Trim() : string.Empty;
            return token.Length == 0 ? null : token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the token from the referenced secret's <see cref="SecretKey"/>.</summary>
    /// <param name="path">The reference's policy path, named in the error.</param>
    /// <exception cref="PrometheusConfigurationException">The secret does not exist, cannot be read, or has no token under the key.</exception>
    /// <exception cref="ClusterReadException">The API server could not be reached.</exception>
    public static async Task<string> ReadSecretAsync(KubernetesConnection connection, SecretReference reference, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(reference);
        string name = $"{reference.Namespace}/{reference.Name}";
        V1Secret secret;
        try
        {
            secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(reference.Name, reference.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new PrometheusConfigurationException($"{path}: secret {name} not found in {connection.Description}", e);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new PrometheusConfigurationException(
                $"{path}: secret {name} cannot be read with the credentials of {connection.Description} (HTTP {(int)e.Response.StatusCode}); they need 'get' on secrets/{reference.Name} in namespace {reference.Namespace} (deploy/components/prometheus-token)", e);
        }
        catch (HttpOperationException e)
        {
            throw new ClusterReadException($"reading secret {name} for {path}: HTTP {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}", e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && KubernetesConnection.IsTransportError(e))
        {
            throw new ClusterReadException($"reading secret {name} for {path}: cannot reach the API server {connection.Server}: {KubernetesConnection.TransportMessage(e)}", e);
        }

        if (secret.Data is null || !secret.Data.TryGetValue(SecretKey, out byte[]? bytes) || bytes.Length == 0)
        {
            throw new PrometheusConfigurationException($"{path}: secret {name} has no '{SecretKey}' key, or it is empty (the descheduler reads the token from that key)");
        }

        string token = Encoding.UTF8.GetString(bytes).Trim();
        return token.Length > 0 && !token.Any(c => c is '\r' or '\n')
            ? token
            : throw new PrometheusConfigurationException($"{path}: secret {name}'s '{SecretKey}' is not a one-line token");
    }
}
