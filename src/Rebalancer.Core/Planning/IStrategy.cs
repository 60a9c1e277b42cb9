namespace Rebalancer.Core.Planning;

/// <summary>The descheduler's extension points. All Deschedule plugins of all profiles run before any Balance plugin.</summary>
public enum ExtensionPoint
{
    Deschedule,
    Balance,
}

/// <summary>
/// A strategy (a descheduler "plugin"). It only proposes: it asks the context to plan evictions, and the context checks
/// the evictor, limits, PDB ledger and projection, recording an eviction or a skip. It never performs I/O.
/// </summary>
public interface IStrategy
{
    string Name { get; }

    void Run(PlanningContext context);
}
