using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>A resource a resource-scoring plugin reads, with its weight (kube-scheduler's <c>ResourceSpec</c>).</summary>
public sealed record ResourceWeight(string Name, int Weight)
{
    /// <summary>cpu and memory with weight 1: the default of NodeResourcesFit and NodeResourcesBalancedAllocation.</summary>
    public static readonly IReadOnlyList<ResourceWeight> CpuAndMemory = [new("cpu", 1), new("memory", 1)];

    /// <summary>
    /// Reads a <c>resources: [{name, weight}]</c> list: names required and unique, weights in [1, 100] as
    /// kube-scheduler's validation requires (or exactly <paramref name="onlyWeight"/> when given: BalancedAllocation's
    /// weights must be 1). Null when the key is absent.
    /// </summary>
    public static IReadOnlyList<ResourceWeight>? Read(ArgsReader args, string key, int? onlyWeight = null)
    {
        PolicyNode? node = args.Child(key);
        if (node is null)
        {
            return null;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            args.Problems.Add(node, "must be a list of {name, weight}");
            return null;
        }

        var resources = new List<ResourceWeight>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (PolicyNode item in node.Items)
        {
            var reader = new ArgsReader(item, args.Problems, item.Path);
            string? name = reader.String("name");
            long? weight = reader.Integer("weight", onlyWeight ?? 1, onlyWeight ?? 100);
            reader.RejectUnknown();
            if (reader.Node is null)
            {
                continue;
            }

            if (string.IsNullOrEmpty(name))
            {
                args.Problems.Add(reader.FieldPath("name"), "is required (a resource name such as cpu, memory or nvidia.com/gpu)");
                continue;
            }

            if (seen.TryGetValue(name, out string? first))
            {
                args.Problems.Add(reader.FieldPath("name"), $"'{name}' is listed twice (first at {first})");
                continue;
            }

            seen[name] = reader.FieldPath("name");
            if (weight is null && item["weight"] is null)
            {
                // kube-scheduler's v1 defaulting gives a resource without a weight the weight 1.
                weight = 1;
            }

            if (weight is long w)
            {
                resources.Add(new ResourceWeight(name, (int)w));
            }
        }

        if (resources.Count == 0 && node.Items.Count == 0)
        {
            args.Problems.Add(node, "must list at least one resource");
        }

        return resources;
    }

    public override string ToString() => $"{Name} {Weight}";
}
