using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>
/// One <c>field.Error</c> of apimachinery's validation: its cause type (<c>FieldValueRequired</c>…), the field path and
/// the error body as <c>ErrorBody()</c> formats it (<c>Required value</c>, <c>Invalid value: 0: must be greater than 0</c>).
/// </summary>
internal sealed record FieldError(string Type, string Field, string Body)
{
    public override string ToString() => $"{Field}: {Body}";

    public static FieldError Required(string field) => new("FieldValueRequired", field, "Required value");

    /// <summary><paramref name="value"/> already formatted as Go prints it: numbers bare, strings quoted.</summary>
    public static FieldError Invalid(string field, string value, string detail) => new("FieldValueInvalid", field, $"Invalid value: {value}: {detail}");

    public static FieldError Forbidden(string field, string detail) => new("FieldValueForbidden", field, "Forbidden: " + detail);

    public static string Quote(string? value) => "\"" + (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary><c>pkg/apis/coordination/validation.ValidateLeaseSpec</c>.</summary>
internal static class LeaseValidation
{
    public static IReadOnlyList<FieldError> Validate(JsonObject lease)
    {
        var errors = new List<FieldError>();
        var spec = lease["spec"] as JsonObject;
        if (spec?["leaseDurationSeconds"].AsLong() is long duration && duration <= 0)
        {
            errors.Add(FieldError.Invalid("spec.leaseDurationSeconds", duration.ToString(CultureInfo.InvariantCulture), "must be greater than 0"));
        }

        if (spec?["leaseTransitions"].AsLong() is long transitions && transitions < 0)
        {
            errors.Add(FieldError.Invalid("spec.leaseTransitions", transitions.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
        }

        if (spec?.GetString("preferredHolder") is { Length: > 0 } && string.IsNullOrEmpty(spec.GetString("strategy")))
        {
            errors.Add(FieldError.Forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
        }

        return errors;
    }
}

/// <summary>
/// core/v1 ⇄ events.k8s.io/v1 Events (<c>pkg/apis/events/v1/conversion.go</c>): one stored object, two shapes. The
/// renamed fields are listed; every other field has the same name in both.
/// </summary>
internal static partial class EventConversion
{
    /// <summary>(events.k8s.io name, core name).</summary>
    private static readonly (string Events, string Core)[] Renamed =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    public static JsonObject ToCore(JsonObject events) => Convert(events, "v1", toCore: true);

    public static JsonObject ToEventsV1(JsonObject core) => Convert(core, "events.k8s.io/v1", toCore: false);

    private static JsonObject Convert(JsonObject source, string apiVersion, bool toCore)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            string name = key;
            foreach (var (events, core) in Renamed)
            {
                if ((toCore ? events : core) == key)
                {
                    name = toCore ? core : events;
                    break;
                }
            }

            result[name] = name == "apiVersion" ? apiVersion : value;
        }

        result["apiVersion"] ??= apiVersion;
        return result;
    }

    private const int ReportingInstanceLengthLimit = 128;
    private const int ActionLengthLimit = 128;
    private const int ReasonLengthLimit = 128;
    private const int NoteLengthLimit = 1024;

    /// <summary>
    /// <c>pkg/apis/core/validation/events.go</c> on create, on the stored (core) form: the legacy checks for both APIs, and
    /// for events.k8s.io (<paramref name="strict"/>) the checks of a new-style event (eventTime set, deprecated fields unset).
    /// Field names are those of the request's API.
    /// </summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject core, bool strict)
    {
        var errors = new List<FieldError>();
        string ns = core["metadata"]?.GetString("namespace") ?? "";
        var involved = core["involvedObject"] as JsonObject;
        string involvedNamespace = involved?.GetString("namespace") ?? "";
        string involvedField = strict ? "regarding.namespace" : "involvedObject.namespace";
        bool hasEventTime = !string.IsNullOrEmpty(core.GetString("eventTime"));
        if (!hasEventTime)
        {
            bool namespaceMatches = involvedNamespace.Length == 0 ? ns is "" or "default" : ns == involvedNamespace;
            if (!namespaceMatches)
            {
                errors.Add(FieldError.Invalid(involvedField, FieldError.Quote(involvedNamespace), "does not match event.namespace"));
            }
        }
        else
        {
            if (involvedNamespace.Length == 0 && ns is not ("default" or "kube-system"))
            {
                errors.Add(FieldError.Invalid(involvedField, FieldError.Quote(involvedNamespace), "does not match event.namespace"));
            }

            string controllerField = strict ? "reportingController" : "reportingComponent";
            string controller = core.GetString("reportingComponent") ?? "";
            if (controller.Length == 0)
            {
                errors.Add(FieldError.Required(controllerField));
            }
            else if (!QualifiedName().IsMatch(controller) || QualifiedNameTooLong(controller))
            {
                errors.Add(FieldError.Invalid(controllerField, FieldError.Quote(controller),
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
            }

            Limit(errors, core, "reportingInstance", "reportingInstance", ReportingInstanceLengthLimit, required: true);
            Limit(errors, core, "action", "action", ActionLengthLimit, required: true);
            Limit(errors, core, "reason", "reason", ReasonLengthLimit, required: true);
            Limit(errors, core, "message", strict ? "note" : "message", NoteLengthLimit, required: false);
        }

        if (!strict)
        {
            return errors;
        }

        if (!hasEventTime)
        {
            errors.Add(FieldError.Required("eventTime"));
        }

        string type = core.GetString("type") ?? "";
        if (type is not ("Normal" or "Warning"))
        {
            errors.Add(FieldError.Invalid("type", "\"\"", "has invalid value: " + type));
        }

        if (!string.IsNullOrEmpty(core.GetString("firstTimestamp")))
        {
            errors.Add(FieldError.Invalid("deprecatedFirstTimestamp", "\"\"", "needs to be unset"));
        }

        if (!string.IsNullOrEmpty(core.GetString("lastTimestamp")))
        {
            errors.Add(FieldError.Invalid("deprecatedLastTimestamp", "\"\"", "needs to be unset"));
        }

        if (core["count"].AsLong() is long count && count != 0)
        {
            errors.Add(FieldError.Invalid("deprecatedCount", "\"\"", "needs to be unset"));
        }

        if (core["source"] is JsonObject source && (!string.IsNullOrEmpty(source.GetString("component")) || !string.IsNullOrEmpty(source.GetString("host"))))
        {
            errors.Add(FieldError.Invalid("deprecatedSource", "\"\"", "needs to be unset"));
        }

        return errors;
    }

    private static void Limit(List<FieldError> errors, JsonObject core, string stored, string field, int limit, bool required)
    {
        string value = core.GetString(stored) ?? "";
        if (required && value.Length == 0)
        {
            errors.Add(FieldError.Required(field));
        }
        else if (value.Length > limit)
        {
            errors.Add(FieldError.Invalid(field, "\"\"", $"can have at most {limit.ToString(CultureInfo.InvariantCulture)} characters"));
        }
    }

    /// <summary>A qualified name: an optional DNS-subdomain prefix and '/', then a name of alphanumerics, '-', '_', '.'.</summary>
    [GeneratedRegex("^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedName();

    private static bool QualifiedNameTooLong(string name)
    {
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? name.Length > 63 : slash > 253 || name.Length - slash - 1 > 63;
    }
}
