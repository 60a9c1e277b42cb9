using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>A request the fake received: method, path, the query text (from the URL or the form body) and headers.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string? Query, string? Time, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A Kestrel server speaking just enough of the Prometheus HTTP API to produce, on demand, what a real Prometheus does
/// not: 401/403 from an auth proxy, 5xx, a slow answer, a sample-limit error for some queries only, NaN and ±Inf
/// values, partial answers, a body cut short, a TLS certificate of our own CA. Each request is answered by the
/// handler the test gives; every request is recorded.
/// </summary>
internal sealed class FaultyPrometheus : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FaultyPrometheus(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public static async Task<FaultyPrometheus> StartAsync(Func<ReceivedRequest, HttpContext, Task> handler, X509Certificate2? certificate = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate });
            }
        }));
        WebApplication app = builder.Build();
        FaultyPrometheus? server = null;
        app.Run(async context =>
        {
            string? query = context.Request.Query["query"];
            string? time = context.Request.Query["time"];
            if (context.Request.HasFormContentType)
            {
                IFormCollection form = await context.Request.ReadFormAsync();
                query ??= form["query"];
                time ??= form["time"];
            }

            var request = new ReceivedRequest(
                context.Request.Method, context.Request.Path.Value ?? "/", query, time,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            server!.Requests.Enqueue(request);
            await handler(request, context);
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FaultyPrometheus(app, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return server;
    }

    /// <summary>Answers every request with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public static Task<FaultyPrometheus> AnsweringAsync(int status, string body, string contentType = "application/json") =>
        StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });

    /// <summary>A vector answer: one sample per (labels, value).</summary>
    public static string Vector(IEnumerable<(string Labels, string Value)> samples, string extra = "") =>
        "{\"status\":\"success\"" + extra + ",\"data\":{\"resultType\":\"vector\",\"result\":[" +
        string.Join(',', samples.Select(s => "{\"metric\":{" + s.Labels + "},\"value\":[1795773600,\"" + s.Value + "\"]}")) + "]}}";

    public static string Container(string ns, string pod, string container) =>
        $"\"namespace\":\"{ns}\",\"pod\":\"{pod}\",\"container\":\"{container}\"";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A throwaway CA and a server certificate it signs for 127.0.0.1, for the TLS tests.</summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=rebalancer test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using RSA serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = request.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(serverKey);

        // Kestrel on Linux wants a certificate whose key it can use: round-trip through PKCS#12.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "test"), "test");
        CaFile = Path.Combine(Path.GetTempPath(), $"rebalancer-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaFile, Authority.ExportCertificatePem());
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public string CaFile { get; }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        File.Delete(CaFile);
    }
}
