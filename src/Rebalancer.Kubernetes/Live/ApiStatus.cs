using System.Net.Http.Headers;
using System.Text.Json;

namespace Rebalancer.Kubernetes.Live;

/// <summary>
/// The parts of a <c>meta/v1 Status</c> error body that decisions are made on: <see cref="Reason"/>, the cause types
/// (<c>details.causes[].reason</c>) and <c>details.retryAfterSeconds</c>. <see cref="Message"/> is kept for people only;
/// nothing branches on it (kubernetes-api.md §1.3).
/// </summary>
/// <param name="IsStatus">The body was a JSON <c>Status</c> object (a proxy's HTML error page is not).</param>
public sealed record ApiStatus(bool IsStatus, string? Reason, string? Message, IReadOnlyList<string> CauseReasons, IReadOnlyList<string> CauseMessages, int? RetryAfterSeconds)
{
    private const int MaxMessageLength = 300;

    public static ApiStatus None { get; } = new(false, null, null, [], [], null);

    public bool HasCause(string reason) => CauseReasons.Contains(reason, StringComparer.Ordinal);

    /// <summary>Parses an error body; anything that is not a Status gives <see cref="IsStatus"/> false and the text as message.</summary>
    public static ApiStatus Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return None;
        }

        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            JsonElement root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return None with { Message = Shorten(body) };
            }

            bool isStatus = String(root, "kind") == "Status";
            var causeReasons = new List<string>();
            var causeMessages = new List<string>();
            int? retryAfter = null;
            if (root.TryGetProperty("details", out JsonElement details) && details.ValueKind == JsonValueKind.Object)
            {
                if (details.TryGetProperty("causes", out JsonElement causes) && causes.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement cause in causes.EnumerateArray())
                    {
                        if (cause.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        causeReasons.Add(String(cause, "reason") ?? string.Empty);
                        if (String(cause, "message") is { Length: > 0 } m)
                        {
                            causeMessages.Add(m);
                        }
                    }
                }

                if (details.TryGetProperty("retryAfterSeconds", out JsonElement seconds) && seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out int s) && s > 0)
                {
                    retryAfter = s;
                }
            }

            string? message = String(root, "message");
            return new ApiStatus(isStatus, NullIfEmpty(String(root, "reason")), message is null ? null : Shorten(message), causeReasons, causeMessages, retryAfter);
        }
        catch (JsonException)
        {
            return None with { Message = Shorten(body) };
        }
    }

    /// <summary>The server's wait hint: the <c>Retry-After</c> header (seconds or a date), else <c>details.retryAfterSeconds</c>.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, ApiStatus status, DateTimeOffset now)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta && delta >= TimeSpan.Zero)
        {
            return delta;
        }

        if (header?.Date is DateTimeOffset date)
        {
            TimeSpan wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return status.RetryAfterSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary><c>429 TooManyRequests: Cannot evict pod … (The disruption budget web-pdb needs 2 healthy pods and has 2 currently)</c>.</summary>
    public string Describe(int statusCode)
    {
        string text = $"HTTP {statusCode}" + (Reason is null ? string.Empty : " " + Reason);
        if (Message is not null)
        {
            text += ": " + Message;
        }

        if (CauseMessages.Count > 0)
        {
            text += " (" + string.Join("; ", CauseMessages.Select(Shorten)) + ")";
        }

        return text;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= MaxMessageLength ? text : string.Concat(text.AsSpan(0, MaxMessageLength), "…");
    }
}
