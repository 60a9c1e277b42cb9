using System.Text.Json;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>A <c>meta/v1 Status</c> as the API server writes it (constructors mirror <c>apimachinery pkg/api/errors</c>).</summary>
internal sealed class KubeStatus
{
    public int Code { get; init; }
    public bool Success { get; init; }
    public string? Message { get; init; }
    public string? Reason { get; init; }
    public string? Name { get; init; }
    public string? Group { get; init; }
    public string? Kind { get; init; }
    public string? Uid { get; init; }
    public int RetryAfterSeconds { get; init; }
    public List<(string Reason, string Message, string? Field)> Causes { get; init; } = [];
    public bool HasDetails { get; init; }
    public string? Continue { get; init; }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        if (!string.IsNullOrEmpty(Continue))
        {
            w.WriteString("continue", Continue);
        }

        w.WriteEndObject();
        w.WriteString("status", Success ? "Success" : "Failure");
        if (!string.IsNullOrEmpty(Message))
        {
            w.WriteString("message", Message);
        }

        if (!string.IsNullOrEmpty(Reason))
        {
            w.WriteString("reason", Reason);
        }

        if (HasDetails || Name is not null || Causes.Count > 0 || RetryAfterSeconds > 0)
        {
            w.WriteStartObject("details");
            if (!string.IsNullOrEmpty(Name))
            {
                w.WriteString("name", Name);
            }

            if (!string.IsNullOrEmpty(Group))
            {
                w.WriteString("group", Group);
            }

            if (!string.IsNullOrEmpty(Kind))
            {
                w.WriteString("kind", Kind);
            }

            if (!string.IsNullOrEmpty(Uid))
            {
                w.WriteString("uid", Uid);
            }

            if (Causes.Count > 0)
            {
                w.WriteStartArray("causes");
                foreach (var (reason, message, field) in Causes)
                {
                    w.WriteStartObject();
                    w.WriteString("reason", reason);
                    w.WriteString("message", message);
                    if (field is not null)
                    {
                        w.WriteString("field", field);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (RetryAfterSeconds > 0)
            {
                w.WriteNumber("retryAfterSeconds", RetryAfterSeconds);
            }

            w.WriteEndObject();
        }

        w.WriteNumber("code", Code);
        w.WriteEndObject();
    }

    private static string Qualified(ResourceType type) => type.QualifiedResource;

    public static KubeStatus SuccessStatus(int code = 200, string? name = null, ResourceType? type = null, string? uid = null) => new()
    {
        Success = true, Code = code, Name = name, Group = type?.Group, Kind = type?.Plural, Uid = uid,
    };

    public static KubeStatus NotFound(ResourceType type, string name) => new()
    {
        Code = 404, Reason = "NotFound", Message = $"{Qualified(type)} \"{name}\" not found", Name = name, Group = type.Group, Kind = type.Plural,
    };

    public static KubeStatus NotFoundPath() => new()
    {
        Code = 404, Reason = "NotFound", Message = "the server could not find the requested resource", HasDetails = true,
    };

    public static KubeStatus AlreadyExists(ResourceType type, string name) => new()
    {
        Code = 409, Reason = "AlreadyExists", Message = $"{Qualified(type)} \"{name}\" already exists", Name = name, Group = type.Group, Kind = type.Plural,
    };

    /// <summary><c>NewConflict(qualifiedResource, name, err)</c>: "Operation cannot be fulfilled on R "N": err".</summary>
    public static KubeStatus Conflict(string qualifiedResource, string group, string name, string error) => new()
    {
        // details.kind is the resource (qualifiedResource.Resource), without its group.
        Code = 409, Reason = "Conflict", Message = $"Operation cannot be fulfilled on {qualifiedResource} \"{name}\": {error}", Name = name, Group = group,
        Kind = qualifiedResource.Split('.')[0],
    };

    public static KubeStatus BadRequest(string message) => new() { Code = 400, Reason = "BadRequest", Message = message };

    public static KubeStatus Invalid(string kind, string name, string message) => new()
    {
        Code = 422, Reason = "Invalid", Message = $"{kind} \"{name}\" is invalid: {message}", Name = name, Kind = kind,
    };

    /// <summary>
    /// <c>NewInvalid(qualifiedKind, name, errs)</c>: "K "N" is invalid: e" (several errors as "[e1, e2]"), one cause per
    /// field error, details with the kind's group and kind.
    /// </summary>
    public static KubeStatus InvalidFields(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        string qualifiedKind = group.Length == 0 ? kind : kind + "." + group;
        string aggregate = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        return new KubeStatus
        {
            Code = 422,
            Reason = "Invalid",
            Message = $"{qualifiedKind} \"{name}\" is invalid: {aggregate}",
            Name = name,
            Group = group,
            Kind = kind,
            HasDetails = true,
            Causes = [.. errors.Select(e => (e.Type, e.Body, (string?)e.Field))],
        };
    }

    public static KubeStatus Forbidden(string qualifiedResource, string group, string kind, string name, string error) => new()
    {
        Code = 403, Reason = "Forbidden", Message = $"{qualifiedResource} \"{name}\" is forbidden: {error}", Name = name, Group = group, Kind = kind,
    };

    public static KubeStatus TooManyRequests(string message, int retryAfterSeconds, params (string Reason, string Message)[] causes) => new()
    {
        Code = 429, Reason = "TooManyRequests", Message = message, RetryAfterSeconds = retryAfterSeconds, HasDetails = true,
        Causes = causes.Select(c => (c.Reason, c.Message, (string?)null)).ToList(),
    };

    public static KubeStatus Timeout(string message, int retryAfterSeconds) => new()
    {
        Code = 504, Reason = "Timeout", Message = $"Timeout: {message}", RetryAfterSeconds = retryAfterSeconds, HasDetails = true,
    };

    public static KubeStatus Expired(string message, string? continueToken = null) => new()
    {
        Code = 410, Reason = "Expired", Message = message, Continue = continueToken,
    };

    public static KubeStatus MethodNotAllowed() => new()
    {
        Code = 405, Reason = "MethodNotAllowed", Message = "the server does not allow this method on the requested resource", HasDetails = true,
    };

    /// <summary>
    /// A PATCH with a content type that is not a patch type (<c>negotiation.NewUnsupportedMediaTypeError</c> over the
    /// installer's <c>supportedTypes</c>, v1.32). The list names server-side apply, which the real server accepts and this
    /// one answers with this same 415 (a documented gap).
    /// </summary>
    public static KubeStatus UnsupportedPatchType() => new()
    {
        Code = 415, Reason = "UnsupportedMediaType",
        Message = "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    };

    /// <summary>An error without a reason (plain Go error / non-success Status returned as an object), e.g. multi-PDB eviction.</summary>
    public static KubeStatus Plain(int code, string message) => new() { Code = code, Message = message };

    public static KubeStatus Custom(int code, string? reason, string? message) => new() { Code = code, Reason = reason, Message = message ?? reason };
}
