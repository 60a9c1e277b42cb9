using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// A server that answers pod lists with fixed pages (page i for the i-th request) and every other list with no items:
/// for list shapes the test API server does not produce, such as short and empty pages that still carry a continue token.
/// </summary>
internal sealed class CannedApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CannedApiServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public ConcurrentQueue<string> PodContinueTokens { get; } = new();

    public static async Task<CannedApiServer> StartAsync(string[] podPages)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        CannedApiServer? server = null;
        int page = 0;
        app.Run(async context =>
        {
            context.Response.ContentType = "application/json";
            string path = context.Request.Path.Value ?? "/";
            if (path == "/api/v1/pods")
            {
                server!.PodContinueTokens.Enqueue(context.Request.Query["continue"].ToString());
                await context.Response.WriteAsync(podPages[Math.Min(Interlocked.Increment(ref page) - 1, podPages.Length - 1)]);
                return;
            }

            await context.Response.WriteAsync("""{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}""");
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new CannedApiServer(app, address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
