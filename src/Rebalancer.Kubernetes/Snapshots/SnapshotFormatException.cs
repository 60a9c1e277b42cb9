namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// A snapshot file that cannot be read: malformed JSON, a value of the wrong type, an invalid quantity… The message names
/// the file, the JSON path of the offending value and the value itself, e.g.
/// <c>pods.json: items[1532].spec.containers[0].resources.requests.cpu: invalid quantity (value '1.5.0')</c>.
/// </summary>
public sealed class SnapshotFormatException : Exception
{
    private const int MaxValueLength = 120;

    public SnapshotFormatException(string source, string jsonPath, string problem, string? value = null, Exception? innerException = null)
        : base(FormatMessage(source, jsonPath, problem, value), innerException)
    {
        Source = source;
        JsonPath = jsonPath;
        Problem = problem;
        Value = value;
    }

    /// <summary>The file (or <c>&lt;stdin&gt;</c>) being read. Hides <see cref="Exception.Source"/>, which names an assembly.</summary>
    public new string Source { get; }

    /// <summary>Where in the document, like <c>items[3].spec.priority</c>; <c>$</c> is the document itself.</summary>
    public string JsonPath { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The offending value as text (shortened when long), when there is one.</summary>
    public string? Value { get; }

    private static string FormatMessage(string source, string jsonPath, string problem, string? value)
    {
        if (value is null)
        {
            return $"{source}: {jsonPath}: {problem}";
        }

        string shown = value.Length > MaxValueLength ? string.Concat(value.AsSpan(0, MaxValueLength), "…") : value;
        return $"{source}: {jsonPath}: {problem} (value '{shown}')";
    }
}
