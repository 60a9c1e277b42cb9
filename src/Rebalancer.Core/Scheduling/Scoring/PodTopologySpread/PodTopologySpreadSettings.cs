using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;

/// <summary>A default spreading constraint (kube-scheduler's <c>PodTopologySpreadArgs.defaultConstraints</c> item).</summary>
public sealed record DefaultSpreadConstraint(int MaxSkew, string TopologyKey, UnsatisfiableConstraintAction WhenUnsatisfiable)
{
    public override string ToString() => $"{TopologyKey} maxSkew {MaxSkew} {WhenUnsatisfiable}";
}

/// <summary>
/// PodTopologySpread's args: how pods without their own <c>topologySpreadConstraints</c> are spread. <c>System</c> (the
/// default) applies the scheduler's built-in constraints — hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway —
/// to pods a Service or a ReplicaSet/StatefulSet/ReplicationController selects; <c>List</c> applies
/// <see cref="DefaultConstraints"/> instead (an empty list: no default spreading). The args also shape the filter:
/// a DoNotSchedule default constraint is enforced like a pod's own.
/// </summary>
public sealed record PodTopologySpreadSettings
{
    public const string System = "System";
    public const string List = "List";

    /// <summary>kube-scheduler's systemDefaultConstraints (podtopologyspread/plugin.go), in its order.</summary>
    public static readonly IReadOnlyList<DefaultSpreadConstraint> SystemDefaults =
    [
        new(3, WellKnown.Hostname, UnsatisfiableConstraintAction.ScheduleAnyway),
        new(5, WellKnown.Zone, UnsatisfiableConstraintAction.ScheduleAnyway),
    ];

    public static readonly PodTopologySpreadSettings Default = new();

    public string DefaultingType { get; init; } = System;

    /// <summary>With <see cref="List"/>: the constraints applied to pods without their own.</summary>
    public IReadOnlyList<DefaultSpreadConstraint> DefaultConstraints { get; init; } = [];

    public bool SystemDefaulted => DefaultingType == System;

    /// <summary>The default constraints in effect.</summary>
    public IReadOnlyList<DefaultSpreadConstraint> EffectiveDefaults => SystemDefaulted ? SystemDefaults : DefaultConstraints;

    public static PodTopologySpreadSettings Bind(ArgsReader args)
    {
        string type = args.String("defaultingType", [System, List]) ?? System;
        PolicyNode? listNode = args.Child("defaultConstraints");
        var constraints = new List<DefaultSpreadConstraint>();
        if (listNode is not null)
        {
            if (listNode.Kind != PolicyNodeKind.Sequence)
            {
                args.Problems.Add(listNode, "must be a list of {maxSkew, topologyKey, whenUnsatisfiable}");
            }
            else if (type == System && listNode.Items.Count > 0)
            {
                args.Problems.Add(listNode, "must be empty when defaultingType is System (kube-scheduler's validation); set defaultingType: List");
            }
            else
            {
                var seen = new HashSet<(string, UnsatisfiableConstraintAction)>();
                foreach (PolicyNode item in listNode.Items)
                {
                    var reader = new ArgsReader(item, args.Problems, item.Path);
                    long? maxSkew = reader.Integer("maxSkew", 1, int.MaxValue);
                    string? key = reader.String("topologyKey");
                    string? when = reader.String("whenUnsatisfiable", Enum.GetNames<UnsatisfiableConstraintAction>());
                    if (reader.Child("labelSelector") is { } selector)
                    {
                        args.Problems.Add(selector, "is not allowed in a default constraint: the selector is taken from the pod's Service or controller");
                    }

                    reader.RejectUnknown();
                    if (reader.Node is null)
                    {
                        continue;
                    }

                    if (string.IsNullOrEmpty(key) || maxSkew is null || when is null)
                    {
                        foreach ((string field, string what) in new[] { ("maxSkew", "an integer >= 1"), ("topologyKey", "a node label key"), ("whenUnsatisfiable", "DoNotSchedule or ScheduleAnyway") })
                        {
                            if (item[field] is null)
                            {
                                args.Problems.Add(reader.FieldPath(field), $"is required ({what})");
                            }
                        }

                        continue;
                    }

                    var action = Enum.Parse<UnsatisfiableConstraintAction>(when);
                    if (!seen.Add((key, action)))
                    {
                        args.Problems.Add(reader.FieldPath("topologyKey"), $"'{key}' with {when} is listed twice");
                        continue;
                    }

                    constraints.Add(new DefaultSpreadConstraint((int)maxSkew, key, action));
                }
            }
        }

        return new PodTopologySpreadSettings { DefaultingType = type, DefaultConstraints = constraints };
    }

    public override string ToString() => SystemDefaulted
        ? "System defaults: " + string.Join(", ", SystemDefaults)
        : DefaultConstraints.Count == 0 ? "no default constraints" : "List: " + string.Join(", ", DefaultConstraints);
}
