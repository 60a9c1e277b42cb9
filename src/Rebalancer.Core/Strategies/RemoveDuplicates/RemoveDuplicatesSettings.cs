using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemoveDuplicates;

/// <summary>RemoveDuplicates args (descheduler-semantics §1.1).</summary>
public sealed record RemoveDuplicatesSettings
{
    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    /// <summary>Owner kinds whose pods are ignored (e.g. ReplicaSet excludes Deployment pods).</summary>
    public IReadOnlyList<string> ExcludeOwnerKinds { get; init; } = [];

    public static RemoveDuplicatesSettings Bind(ArgsReader args) => new()
    {
        Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
        ExcludeOwnerKinds = args.StringList("excludeOwnerKinds") ?? [],
    };
}
