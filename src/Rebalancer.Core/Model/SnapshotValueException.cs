namespace Rebalancer.Core.Model;

/// <summary>
/// An object whose values break a rule every snapshot obeys (<see cref="SnapshotRules"/>): a negative amount, a duplicate
/// object, amounts adding up past <see cref="SnapshotRules.MaxTotal"/>. Thrown by <see cref="SnapshotBuilder"/> when the
/// object is added; a loader reports it at the object's location in its file with <see cref="Field"/> below it.
/// </summary>
public sealed class SnapshotValueException : Exception
{
    public SnapshotValueException(string field, string problem, string? value = null)
        : base(string.IsNullOrEmpty(field) ? problem : field + ": " + problem)
    {
        Field = field;
        Problem = problem;
        Value = value;
    }

    /// <summary>
    /// The field of the object that breaks the rule, as dot-separated plain segments below the object (<c>metadata.uid</c>,
    /// <c>spec.minAvailable</c>); empty for the object as a whole.
    /// </summary>
    public string Field { get; }

    /// <summary>What is wrong and what is allowed, without the location.</summary>
    public string Problem { get; }

    /// <summary>The offending value as text, when there is one.</summary>
    public string? Value { get; }
}
