namespace Rebalancer.Cli;

/// <summary>Process exit codes; documented in README. They tell the truth: a run that failed never exits 0.</summary>
public static class ExitCodes
{
    /// <summary>The command completed (a plan was made; evictions blocked by a PDB still count as a completed run).</summary>
    public const int Success = 0;

    /// <summary>The cluster could not be read or the run aborted.</summary>
    public const int Failure = 1;

    /// <summary>Invalid input or configuration: a malformed snapshot or policy, a bad option. Nothing was evicted.</summary>
    public const int InvalidInput = 2;
}
