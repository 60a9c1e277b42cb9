namespace Rebalancer.Core.Policy;

/// <summary>
/// "Did you mean" for a misspelt plugin or field name: the known name at the smallest edit distance, when that distance
/// is small for the length of the name. The distance is optimal string alignment (Damerau–Levenshtein without
/// substring re-edits: insert, delete, substitute, swap two adjacent letters), ignoring letter case, so
/// <c>RemoveDuplicate</c>, <c>RemoveDuplicatess</c>, <c>LowNodeUtilisation</c>, <c>nodefit</c> and
/// <c>excludeOwnerKind</c> all find their name.
/// </summary>
public static class NameSuggestions
{
    /// <summary>
    /// Edits allowed for a name of <paramref name="length"/> characters: one per four characters, at least 1 and at most
    /// 3. Short names get one edit (<c>cpu</c> is not <c>pods</c>); long plugin names get three, which still keeps
    /// apart the catalogue's names that share a prefix (<c>…NodeAffinity</c> and <c>…NodeTaints</c> are 5 apart).
    /// </summary>
    public static int MaxDistance(int length) => Math.Clamp(length / 4, 1, 3);

    /// <summary>
    /// The candidate closest to <paramref name="name"/> within <see cref="MaxDistance"/>, or null. A candidate that
    /// differs only in letter case wins outright; ties go to the ordinally first candidate, so the hint is deterministic.
    /// </summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        int bestDistance = int.MaxValue;
        int limit = MaxDistance(name.Length);
        foreach (string candidate in candidates.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (candidate == name)
            {
                continue;
            }

            int distance = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(name, candidate);
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary><c>; did you mean 'x'?</c> for the closest candidate (saying that names are case-sensitive when only the case differs), or empty.</summary>
    public static string Hint(string name, IEnumerable<string> candidates) =>
        Closest(name, candidates) is not string similar ? string.Empty
            : $"; did you mean '{similar}'?" + (DiffersOnlyInCase(name, similar) ? " (names are case-sensitive)" : string.Empty);

    /// <summary>True when the two names differ only in letter case.</summary>
    public static bool DiffersOnlyInCase(string a, string b) =>
        !string.Equals(a, b, StringComparison.Ordinal) && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The optimal-string-alignment distance between <paramref name="a"/> and <paramref name="b"/>, case-insensitive.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);

        // Three rows of the dynamic-programming table: the one before the previous is what a transposition reads.
        int[] before = new int[b.Length + 1];
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            char ai = char.ToLowerInvariant(a[i - 1]);
            for (int j = 1; j <= b.Length; j++)
            {
                char bj = char.ToLowerInvariant(b[j - 1]);
                int cost = ai == bj ? 0 : 1;
                int value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && ai == char.ToLowerInvariant(b[j - 2]) && char.ToLowerInvariant(a[i - 2]) == bj)
                {
                    value = Math.Min(value, before[j - 2] + 1);
                }

                current[j] = value;
            }

            (before, previous, current) = (previous, current, before);
        }

        return previous[b.Length];
    }
}
