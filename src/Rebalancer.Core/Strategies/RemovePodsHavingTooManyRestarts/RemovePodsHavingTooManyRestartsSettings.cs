using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemovePodsHavingTooManyRestarts;

/// <summary>RemovePodsHavingTooManyRestarts args (descheduler-semantics §1.8).</summary>
public sealed record RemovePodsHavingTooManyRestartsSettings
{
    private static readonly string[] AllowedStates = ["Running", "CrashLoopBackOff"];

    /// <summary>Restarts (summed over containers) at which a pod is evicted; at least 1.</summary>
    public int PodRestartThreshold { get; init; } = 1;

    /// <summary>Count init containers' restarts, and match their waiting reasons against <see cref="States"/>.</summary>
    public bool IncludingInitContainers { get; init; }

    /// <summary>When set, the pod's phase or a container's waiting reason must be one of these (Running, CrashLoopBackOff).</summary>
    public IReadOnlyList<string> States { get; init; } = [];

    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    public LabelSelectorSpec? LabelSelector { get; init; }

    public static RemovePodsHavingTooManyRestartsSettings Bind(ArgsReader args)
    {
        PolicyNode? raw = args.Node?["podRestartThreshold"];
        long? threshold = args.Integer("podRestartThreshold", int.MinValue, int.MaxValue);
        if (threshold is null && (raw is null || raw.Kind == PolicyNodeKind.Null))
        {
            args.Problems.Add(args.FieldPath("podRestartThreshold"), "is required: invalid PodsHavingTooManyRestarts threshold (must be at least 1)");
        }
        else if (threshold < 1)
        {
            args.Problems.Add(raw!.Path, $"invalid PodsHavingTooManyRestarts threshold {threshold} (must be at least 1)");
        }

        return new RemovePodsHavingTooManyRestartsSettings
        {
            PodRestartThreshold = threshold is long t && t >= 1 ? (int)t : 1,
            IncludingInitContainers = args.Bool("includingInitContainers") ?? false,
            States = args.StringList("states", AllowedStates) ?? [],
            Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
            LabelSelector = args.LabelSelector("labelSelector"),
        };
    }
}
