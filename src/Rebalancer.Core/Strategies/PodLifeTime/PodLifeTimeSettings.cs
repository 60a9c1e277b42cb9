using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.PodLifeTime;

/// <summary>One entry of PodLifeTime's <c>conditions</c>: every field that is set must match one pod condition (AND).</summary>
public sealed record PodConditionFilter(string? Type, string? Status, string? Reason, uint? MinTimeSinceLastTransitionSeconds)
{
    public override string ToString() =>
        string.Join(",", new[]
        {
            Type is null ? null : "type=" + Type,
            Status is null ? null : "status=" + Status,
            Reason is null ? null : "reason=" + Reason,
            MinTimeSinceLastTransitionSeconds is uint s ? $"minTimeSinceLastTransitionSeconds={s}" : null,
        }.Where(p => p is not null));
}

/// <summary>PodLifeTime args (descheduler-semantics §1.9). Every filter that is set must hold (AND); within one filter, any entry (OR).</summary>
public sealed record PodLifeTimeSettings
{
    /// <summary>The states the descheduler accepts: pod phases, pod status reasons, container waiting and terminated reasons.</summary>
    public static readonly IReadOnlyList<string> AllowedStates =
    [
        "Running", "Pending", "Succeeded", "Failed", "Unknown",
        "NodeAffinity", "NodeLost", "Shutdown", "UnexpectedAdmissionError",
        "PodInitializing", "ContainerCreating", "ImagePullBackOff", "CrashLoopBackOff", "CreateContainerConfigError",
        "ErrImagePull", "CreateContainerError", "InvalidImageName",
        "OOMKilled", "Error", "Completed", "DeadlineExceeded", "Evicted", "ContainerCannotRun", "StartError",
    ];

    /// <summary>Evict pods strictly older than this (seconds since creationTimestamp).</summary>
    public uint? MaxPodLifeTimeSeconds { get; init; }

    /// <summary>The pod's phase, its status reason, or a container's waiting/terminated reason must be one of these.</summary>
    public IReadOnlyList<string> States { get; init; } = [];

    /// <summary>Some pod condition must match one of these filters.</summary>
    public IReadOnlyList<PodConditionFilter> Conditions { get; init; } = [];

    /// <summary>Some terminated container must have exited with one of these codes.</summary>
    public IReadOnlyList<int> ExitCodes { get; init; } = [];

    /// <summary>Only pods with an owner of these kinds (at most one of include/exclude).</summary>
    public IReadOnlyList<string> OwnerKindsInclude { get; init; } = [];

    /// <summary>No pod with an owner of these kinds.</summary>
    public IReadOnlyList<string> OwnerKindsExclude { get; init; } = [];

    /// <summary>Init containers' states and exit codes count too.</summary>
    public bool IncludingInitContainers { get; init; }

    /// <summary>
    /// Accepted for compatibility. Snapshots carry no ephemeral container statuses (kubectl debug containers), so it
    /// has no effect; the plan says so in a warning when <see cref="States"/> is set.
    /// </summary>
    public bool IncludingEphemeralContainers { get; init; }

    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    public LabelSelectorSpec? LabelSelector { get; init; }

    public static PodLifeTimeSettings Bind(ArgsReader args)
    {
        long? maxAge = args.Integer("maxPodLifeTimeSeconds", 0, uint.MaxValue);
        var settings = new PodLifeTimeSettings
        {
            MaxPodLifeTimeSeconds = maxAge is long m ? (uint)m : null,
            States = args.StringList("states", AllowedStates as IReadOnlyCollection<string>) ?? [],
            Conditions = BindConditions(args),
            ExitCodes = (args.IntegerList("exitCodes", int.MinValue, int.MaxValue) ?? []).Select(c => (int)c).ToList(),
            IncludingInitContainers = args.Bool("includingInitContainers") ?? false,
            IncludingEphemeralContainers = args.Bool("includingEphemeralContainers") ?? false,
            Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
            LabelSelector = args.LabelSelector("labelSelector"),
        };

        PolicyNode? ownerKinds = args.Child("ownerKinds");
        if (ownerKinds is not null)
        {
            var reader = new ArgsReader(ownerKinds, args.Problems, args.FieldPath("ownerKinds"));
            IReadOnlyList<string> include = reader.StringList("include") ?? [];
            IReadOnlyList<string> exclude = reader.StringList("exclude") ?? [];
            reader.RejectUnknown();
            if (include.Count > 0 && exclude.Count > 0)
            {
                args.Problems.Add(ownerKinds, "only one of include and exclude can be set");
            }

            settings = settings with { OwnerKindsInclude = include, OwnerKindsExclude = exclude };
        }

        bool hasFilter = settings.MaxPodLifeTimeSeconds is not null || settings.States.Count > 0 || settings.Conditions.Count > 0 || settings.ExitCodes.Count > 0;
        if (!hasFilter && !HasAny(args, "maxPodLifeTimeSeconds", "states", "conditions", "exitCodes"))
        {
            args.Problems.Add(args.Path, "at least one filtering criterion must be specified (maxPodLifeTimeSeconds, states, conditions or exitCodes)");
        }

        return settings;
    }

    private static List<PodConditionFilter> BindConditions(ArgsReader args)
    {
        var filters = new List<PodConditionFilter>();
        PolicyNode? node = args.Child("conditions");
        if (node is null)
        {
            return filters;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            args.Problems.Add(node, "must be a list of {type, status, reason, minTimeSinceLastTransitionSeconds}");
            return filters;
        }

        foreach (PolicyNode item in node.Items)
        {
            if (item.Kind is not (PolicyNodeKind.Mapping or PolicyNodeKind.Null))
            {
                args.Problems.Add(item, "must be a mapping of type, status, reason and/or minTimeSinceLastTransitionSeconds");
                continue;
            }

            int problemsBefore = args.Problems.All.Count;
            var reader = new ArgsReader(item, args.Problems, item.Path);
            string? type = NullIfEmpty(reader.String("type"));
            string? status = NullIfEmpty(reader.String("status"));
            string? reason = NullIfEmpty(reader.String("reason"));
            long? minTime = reader.Integer("minTimeSinceLastTransitionSeconds", 0, uint.MaxValue);
            reader.RejectUnknown();
            if (type is null && status is null && reason is null && minTime is null)
            {
                if (args.Problems.All.Count == problemsBefore)
                {
                    args.Problems.Add(item, "at least one of type, status, reason or minTimeSinceLastTransitionSeconds must be set");
                }

                continue;
            }

            filters.Add(new PodConditionFilter(type, status, reason, minTime is long s ? (uint)s : null));
        }

        return filters;
    }

    /// <summary>True when one of the keys is present with a value (an invalid value is reported by its own reader, not as "missing").</summary>
    private static bool HasAny(ArgsReader args, params string[] keys) =>
        keys.Any(k => args.Node?[k] is { Kind: not PolicyNodeKind.Null } value && (value.Kind != PolicyNodeKind.Sequence || value.Items.Count > 0));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
