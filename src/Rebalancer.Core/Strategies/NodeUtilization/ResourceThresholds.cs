using System.Globalization;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.NodeUtilization;

/// <summary>A map of resource name to percentage, as in <c>thresholds: {cpu: 20, memory: 20, pods: 20}</c>.</summary>
public sealed record ResourceThresholds(IReadOnlyList<KeyValuePair<string, decimal>> Values)
{
    public static readonly ResourceThresholds Empty = new([]);

    public int Count => Values.Count;

    public decimal? this[string resource] => Values.FirstOrDefault(v => v.Key == resource) is { Key: not null } kv ? kv.Value : null;

    public IEnumerable<string> Resources => Values.Select(v => v.Key);

    /// <summary>Reads a threshold map; each value must be a number in [0, 100] (descheduler's validation).</summary>
    public static ResourceThresholds? Read(ArgsReader args, string key)
    {
        PolicyNode? node = args.Child(key);
        if (node is null)
        {
            return null;
        }

        if (node.Kind != PolicyNodeKind.Mapping)
        {
            args.Problems.Add(node, "must be a mapping of resource names to percentages, e.g. {cpu: 20, memory: 20, pods: 20}");
            return null;
        }

        var values = new List<KeyValuePair<string, decimal>>();
        foreach ((string resource, PolicyNode value) in node.Entries)
        {
            // Parsed again as decimal so percentages such as 33.3 compare exactly.
            if (ArgsReader.ToNumber(value, 0, 100, args.Problems) is not null)
            {
                values.Add(new(resource, decimal.Parse(value.Scalar!, NumberStyles.Float, CultureInfo.InvariantCulture)));
            }
        }

        return new ResourceThresholds(values);
    }

    public override string ToString() =>
        string.Join(", ", Values.Select(v => $"{v.Key} {v.Value.ToString(CultureInfo.InvariantCulture)}%"));
}
