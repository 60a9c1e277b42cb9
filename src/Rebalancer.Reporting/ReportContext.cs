namespace Rebalancer.Reporting;

/// <summary>
/// Run metadata a report shows next to the plan: the plan itself does not know where its snapshot and policy came from.
/// </summary>
/// <param name="Mode">What the run did: <c>plan</c> (nothing was evicted).</param>
/// <param name="Source">The snapshot file or the kubeconfig context the cluster state was read from.</param>
/// <param name="PolicySource">The policy file path, or <c>built-in</c>.</param>
/// <param name="PolicyDigest">The digest of the effective policy (<c>sha256:…</c>), so two reports can be tied to the same policy.</param>
/// <param name="Version">The Rebalancer version that produced the report.</param>
public sealed record ReportContext(string Mode, string Source, string PolicySource, string PolicyDigest, string Version)
{
    /// <summary>
    /// Warnings about the inputs rather than the plan (the snapshot loader's, a clock earlier than the snapshot), listed
    /// first in the report's <c>warnings</c>, each with its <see cref="ReportMessage.Source"/>.
    /// </summary>
    public IReadOnlyList<ReportMessage> Warnings { get; init; } = [];
}

/// <summary>
/// What happened when an eviction was executed. Plans carry none; an executor passes one per eviction to
/// <see cref="PlanReport.From"/> and the renderers show it next to the eviction.
/// </summary>
/// <param name="Outcome">Machine-readable result, e.g. <c>Evicted</c>, <c>Failed</c>, <c>Blocked:PDB</c>.</param>
/// <param name="Attempts">How many eviction requests were sent.</param>
/// <param name="Message">The last error or a note, when there is one.</param>
public sealed record EvictionOutcome(string Outcome, int Attempts, string? Message = null);

/// <summary>
/// What happened to a drained node's schedulability when the plan was executed (Consolidation's <c>cordon</c> arg). An
/// executor passes one per such node to <see cref="PlanReport.From"/>.
/// </summary>
/// <param name="Outcome">Machine-readable result, e.g. <c>Cordoned</c>, <c>Uncordoned</c>, <c>CordonFailed</c>.</param>
/// <param name="Attempts">How many PATCH requests were sent (cordon and uncordon).</param>
/// <param name="HttpStatus">The last HTTP status, when the server answered.</param>
/// <param name="Message">Why, when there is more to say (an incomplete drain, an error).</param>
public sealed record CordonOutcome(string Outcome, int Attempts, int? HttpStatus, string? Message = null);
