using System.Text.Json;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Tests.Policy;

/// <summary>
/// Builds <see cref="PolicyNode"/> trees from JSON for binder tests (the core has no YAML reader). JSON strings become
/// quoted scalars and numbers/booleans plain ones, exactly as the YAML reader marks them, so <c>"5"</c> stays a string.
/// </summary>
internal static class PolicyJson
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static PolicyNode Parse(string json, string rootPath = "")
    {
        using var document = JsonDocument.Parse(json, Options);
        return Build(document.RootElement, rootPath);
    }

    /// <summary>Binds a whole policy document and returns it with the problems as "path: message" strings.</summary>
    public static (DeschedulerPolicy Policy, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        DeschedulerPolicy policy = PolicyBinder.Bind(Parse(json), problems);
        return (policy, problems.All.Select(p => p.ToString()).ToArray());
    }

    private static PolicyNode Build(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => PolicyNode.FromMapping(path, element.EnumerateObject()
            .Select(p => new KeyValuePair<string, PolicyNode>(p.Name, Build(p.Value, PolicyNode.ChildPath(path, p.Name))))
            .ToList()),
        JsonValueKind.Array => PolicyNode.FromSequence(path, element.EnumerateArray()
            .Select((item, i) => Build(item, PolicyNode.ItemPath(path, i)))
            .ToList()),
        JsonValueKind.String => PolicyNode.FromScalar(path, element.GetString()!, quoted: true),
        JsonValueKind.Number => PolicyNode.FromScalar(path, element.GetRawText()),
        JsonValueKind.True => PolicyNode.FromScalar(path, "true"),
        JsonValueKind.False => PolicyNode.FromScalar(path, "false"),
        _ => PolicyNode.Null(path),
    };
}
