using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>Writing JSON responses exactly as the API server does (<c>Content-Type: application/json</c>).</summary>
internal static class Responses
{
    public const string JsonContentType = "application/json";

    public static async Task WriteBytesAsync(HttpContext context, int statusCode, byte[] body, string contentType = JsonContentType)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteJsonAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write, string contentType = JsonContentType) =>
        WriteBytesAsync(context, statusCode, Json.Serialize(write), contentType);

    public static Task WriteObjectAsync(HttpContext context, int statusCode, JsonElement obj) =>
        WriteJsonAsync(context, statusCode, obj.WriteTo);

    public static Task WriteStatusAsync(HttpContext context, KubeStatus status)
    {
        if (status.RetryAfterSeconds > 0)
        {
            context.Response.Headers.RetryAfter = status.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(context, status.Code, status.Write);
    }

    /// <summary>Reads the request body as a JSON object; null with an error status when it is not one.</summary>
    public static async Task<(JsonObject? Body, KubeStatus? Error)> ReadBodyAsync(HttpContext context, bool allowEmpty)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return allowEmpty ? (null, null) : (null, KubeStatus.BadRequest("the body of the request was empty"));
        }

        try
        {
            return JsonNode.Parse(text) is JsonObject obj
                ? (obj, null)
                : (null, KubeStatus.BadRequest("the body of the request was in an unknown format - accepted media types include: application/json"));
        }
        catch (JsonException error)
        {
            return (null, KubeStatus.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json ({error.Message})"));
        }
    }

    public static bool IsTrue(string? value) => value is "true" or "1" or "True";
}

/// <summary>Opaque continue tokens: base64url JSON <c>{"v":"meta.k8s.io/v1","rv":N,"start":KEY,"p":PAGE}</c>
/// (the real format plus a page number used by fault injection). KEY is where the next page starts (inclusive): the
/// last returned key followed by "\0", as etcd3's <c>encodeContinue(lastKey + "\x00", …)</c>.</summary>
internal static class ContinueToken
{
    public static string Encode(long revision, string start, int page)
    {
        var bytes = Json.Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("v", "meta.k8s.io/v1");
            w.WriteNumber("rv", revision);
            w.WriteString("start", start);
            w.WriteNumber("p", page);
            w.WriteEndObject();
        });
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string token, out long revision, out string start, out int page)
    {
        revision = 0;
        start = "";
        page = 0;
        try
        {
            string base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Convert.FromBase64String(base64));
            var root = document.RootElement;
            if (root.Str("v") != "meta.k8s.io/v1" || root.Long("rv") is not { } rv || root.Str("start") is not { } key)
            {
                return false;
            }

            revision = rv;
            start = key;
            page = (int)(root.Long("p") ?? 2);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
