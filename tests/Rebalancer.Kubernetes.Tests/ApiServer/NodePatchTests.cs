using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.ApiServer.ApiServerTestKit;

namespace Rebalancer.Kubernetes.Tests.ApiServer;

/// <summary>
/// <c>PATCH /api/v1/nodes/{name}</c> over plain HTTP, as kubectl cordon and Rebalancer send it: the answers a real
/// 1.32 server gives (200 with the Node, 404, 415), dryRun=All, the journal and injected faults.
/// </summary>
public sealed class NodePatchTests
{
    private const string Cordon = """{"spec":{"unschedulable":true}}""";

    public sealed record Case(string Name, string ContentType, string Body, string Query, int Status, bool? UnschedulableAfter, string? Reason)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("strategic merge cordon", "application/strategic-merge-patch+json", Cordon, "", 200, true, null),
        new("merge patch cordon", "application/merge-patch+json", Cordon, "", 200, true, null),
        new("strategic merge with a charset", "application/strategic-merge-patch+json; charset=utf-8", Cordon, "", 200, true, null),
        new("dryRun=All answers the patched node and keeps the stored one", "application/strategic-merge-patch+json", Cordon, "?dryRun=All", 200, null, null),
        new("a plain JSON body is no patch type", "application/json", Cordon, "", 415, null, "UnsupportedMediaType"),
        new("server-side apply is not implemented", "application/apply-patch+yaml", Cordon, "", 415, null, "UnsupportedMediaType"),
        new("the content type is checked before the options", "text/plain", Cordon, "?dryRun=Some", 415, null, "UnsupportedMediaType"),
        new("an invalid dryRun value", "application/merge-patch+json", Cordon, "?dryRun=Some", 422, null, "Invalid"),
        new("a body that is not JSON", "application/merge-patch+json", "{spec", "", 400, null, "BadRequest"),
    };

    private static async Task<(HttpStatusCode Code, JsonElement Body)> PatchAsync(TestApiServer server, string node, string contentType, string body, string query = "")
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.PatchAsync($"api/v1/nodes/{node}{query}", content, Timeout());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout()));
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static bool? Unschedulable(TestApiServer server, string node) => server.Store.Get("nodes", null, node)!["spec"]?["unschedulable"]?.GetValue<bool>();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Patch_node_answers_like_the_real_server(Case c)
    {
        await using var server = await StartDemoAsync();
        string node = server.Store.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).First(n => Unschedulable(server, n) is null);

        var (code, body) = await PatchAsync(server, node, c.ContentType, c.Body, c.Query);

        Assert.Equal(c.Status, (int)code);
        Assert.Equal(c.UnschedulableAfter, Unschedulable(server, node));
        if (c.Status == 200)
        {
            Assert.Equal("Node", body.GetProperty("kind").GetString());
            Assert.Equal("v1", body.GetProperty("apiVersion").GetString());
            Assert.Equal(node, body.GetProperty("metadata").GetProperty("name").GetString());
            Assert.True(body.GetProperty("spec").GetProperty("unschedulable").GetBoolean()); // what the patch made, dry run or not
            Assert.True(body.GetProperty("status").TryGetProperty("allocatable", out _));
        }
        else
        {
            Assert.Equal("Status", body.GetProperty("kind").GetString());
            Assert.Equal(c.Status, body.GetProperty("code").GetInt32());
            Assert.Equal(c.Reason, body.GetProperty("reason").GetString());
        }

        JournalEntry entry = Assert.Single(server.Journal.Find("PATCH", "/api/v1/nodes/*"));
        Assert.Equal((c.Status, c.Body, c.ContentType, c.Query), (entry.StatusCode, entry.Body, entry.ContentType, entry.Query));
    }

    [Fact]
    public async Task Patch_node_415_lists_the_patch_types_of_a_1_32_server()
    {
        await using var server = await StartDemoAsync();

        var (_, body) = await PatchAsync(server, "any", "application/json", Cordon);

        Assert.Equal(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
            body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Patch_of_a_missing_node_is_404_NotFound()
    {
        await using var server = await StartDemoAsync();

        var (code, body) = await PatchAsync(server, "no-such-node", "application/strategic-merge-patch+json", Cordon);

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("nodes \"no-such-node\" not found", body.GetProperty("message").GetString());
        Assert.Equal("NotFound", body.GetProperty("reason").GetString());
        Assert.Equal("no-such-node", body.GetProperty("details").GetProperty("name").GetString());
        Assert.Equal("nodes", body.GetProperty("details").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Uncordon_with_null_removes_the_field()
    {
        await using var server = await StartDemoAsync();
        string node = server.Store.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).First(n => Unschedulable(server, n) is null);
        await PatchAsync(server, node, "application/strategic-merge-patch+json", Cordon);

        var (code, body) = await PatchAsync(server, node, "application/strategic-merge-patch+json", """{"spec":{"unschedulable":null}}""");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.False(body.GetProperty("spec").TryGetProperty("unschedulable", out _));
        Assert.Null(Unschedulable(server, node));
    }

    [Fact]
    public async Task Faults_fail_node_patches_and_change_nothing()
    {
        await using var server = await StartDemoAsync();
        string node = server.Store.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).First(n => Unschedulable(server, n) is null);
        FaultRule rule = server.Faults.FailWith(403, "PATCH", "/api/v1/nodes/*", times: 1, reason: "Forbidden");

        var (first, body) = await PatchAsync(server, node, "application/strategic-merge-patch+json", Cordon);
        Assert.Null(Unschedulable(server, node));
        var (second, _) = await PatchAsync(server, node, "application/strategic-merge-patch+json", Cordon);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.OK), (first, second));
        Assert.Equal("Forbidden", body.GetProperty("reason").GetString());
        Assert.Equal((2, 1), (rule.Matched, rule.Injected)); // the second request matched, but the rule was spent
        Assert.True(Unschedulable(server, node));
        Assert.Equal(["Status", null], server.Journal.Find("PATCH", "/api/v1/nodes/*").Select(e => e.Fault));
    }
}
