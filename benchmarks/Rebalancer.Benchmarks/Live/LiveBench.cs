using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Benchmarks.Live;

/// <summary>
/// Shared pieces of the live-path benchmarks: test API servers loaded with the synthetic files (started once per size
/// and process, because loading 150k pods into the server takes far longer than one read), the raw paged GET baseline
/// and the <see cref="ClusterReader"/> read.
/// </summary>
internal static class LiveBench
{
    public const int PageSize = 500;

    private static readonly Dictionary<int, TestApiServer> Servers = [];

    // The same lists in the same order as ClusterReader (ApiResource.Core then metrics), so the baseline moves the same bytes.
    private static readonly (string Path, bool Paged)[] Lists =
    [
        ("api/v1/nodes", true),
        ("api/v1/namespaces", true),
        ("apis/scheduling.k8s.io/v1/priorityclasses", true),
        ("apis/policy/v1/poddisruptionbudgets", true),
        ("api/v1/pods", true),
        ("apis/metrics.k8s.io/v1beta1/nodes", false),
        ("apis/metrics.k8s.io/v1beta1/pods", false),
    ];

    /// <summary>A server holding the synthetic cluster of <paramref name="pods"/> pods, started on first use and kept for the process.</summary>
    public static TestApiServer Server(int pods)
    {
        lock (Servers)
        {
            if (!Servers.TryGetValue(pods, out TestApiServer? server))
            {
                // Loaded as any test loads a snapshot, disruption controller on: the server lists a namespace's pods by
                // key range and groups them by label set, so the one resync of every PDB at the end of the load is cheap
                // even at 150k pods. The request journal keeps every request; fine for a few hundred pages per read.
                server = TestApiServer.StartAsync(new TestApiServerOptions()).GetAwaiter().GetResult();
                server.Store.LoadFile(BenchmarkData.GetFile(pods));
                Servers[pods] = server;
            }

            return server;
        }
    }

    public static KubernetesConnection Connect(TestApiServer server) =>
        KubernetesConnection.FromConfiguration(server.ClientConfiguration(), "benchmark test server");

    /// <summary>Reads the cluster as <c>rebalancer run</c> does: paged LISTs at limit 500, then the metrics lists.</summary>
    public static ClusterReadResult Read(KubernetesConnection connection) =>
        new ClusterReader(connection, new ClusterReaderOptions { PageSize = PageSize, Metrics = MetricsRequirement.Optional })
            .ReadAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// The floor for any reader: the same GETs (same pages, same continue tokens) with every body read into a reused
    /// buffer and not parsed; only the continue token is found, by a byte search of the list metadata (the server
    /// writes <c>metadata</c> before <c>items</c>). Returns the bytes read.
    /// </summary>
    public static long RawGetAllPages(HttpClient http)
    {
        long total = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach ((string path, bool paged) in Lists)
            {
                string? next = null;
                do
                {
                    string uri = paged
                        ? path + "?limit=" + PageSize.ToString(CultureInfo.InvariantCulture) + (next is null ? string.Empty : "&continue=" + Uri.EscapeDataString(next))
                        : path;
                    using HttpResponseMessage response = http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                    response.EnsureSuccessStatusCode();
                    using Stream body = response.Content.ReadAsStream();
                    int head = 0;
                    next = null;
                    int read;
                    while ((read = body.Read(buffer, head, buffer.Length - head)) > 0)
                    {
                        total += read;
                        // Keep the first 4 KB (the list metadata) for the continue token; reuse the rest of the buffer.
                        head = Math.Min(head + read, 4096);
                    }

                    if (paged)
                    {
                        next = FindContinue(buffer.AsSpan(0, head));
                    }
                }
                while (next is not null);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return total;
    }

    public static HttpClient RawClient(TestApiServer server) => new() { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>metadata.continue of a list, read from the head of its body with a reader that stops at <c>items</c>.</summary>
    private static string? FindContinue(ReadOnlySpan<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, state: default);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("items"u8))
            {
                return null;
            }

            if (reader.CurrentDepth == 2 && reader.ValueTextEquals("continue"u8) && reader.Read())
            {
                // GetString unescapes: base64 tokens contain '+', which the server's encoder writes as \u002B.
                string? token = reader.GetString();
                return string.IsNullOrEmpty(token) ? null : token;
            }
        }

        return null;
    }
}
