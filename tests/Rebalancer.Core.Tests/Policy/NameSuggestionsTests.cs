using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;

namespace Rebalancer.Core.Tests.Policy;

public class NameSuggestionsTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("RemoveDuplicate", "RemoveDuplicates", 1)]
    [InlineData("RemoveDuplicatess", "RemoveDuplicates", 1)]
    [InlineData("LowNodeUtilisation", "LowNodeUtilization", 1)]
    [InlineData("nodefit", "nodeFit", 0)]
    [InlineData("Consolidaiton", "Consolidation", 1)] // an adjacent swap is one edit (optimal string alignment)
    [InlineData("ca", "abc", 3)] // OSA, not full Damerau-Levenshtein (which says 2): a swapped pair is not edited again
    [InlineData("HighNodeUtilization", "LowNodeUtilization", 4)]
    public void Distance_counts_inserts_deletes_substitutions_and_adjacent_swaps_ignoring_case(string a, string b, int expected)
    {
        Assert.Equal(expected, NameSuggestions.Distance(a, b));
        Assert.Equal(expected, NameSuggestions.Distance(b, a));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(7, 1)]
    [InlineData(8, 2)]
    [InlineData(15, 3)]
    [InlineData(43, 3)]
    public void The_allowed_distance_grows_with_the_length_and_is_capped(int length, int expected) =>
        Assert.Equal(expected, NameSuggestions.MaxDistance(length));

    [Theory]
    [InlineData("RemoveDuplicate", "RemoveDuplicates")]
    [InlineData("RemoveDuplicatess", "RemoveDuplicates")]
    [InlineData("LowNodeUtilisation", "LowNodeUtilization")]
    [InlineData("lownodeutilization", "LowNodeUtilization")]
    [InlineData("PodLifetime", "PodLifeTime")]
    [InlineData("RemovePodsViolatingNodeTaint", "RemovePodsViolatingNodeTaints")]
    [InlineData("RemovePodsViolatingNodeAffinities", "RemovePodsViolatingNodeAffinity")]
    [InlineData("SpotRation", "SpotRatio")]
    [InlineData("Rebalance", null)]
    [InlineData("MediumNodeUtilization", null)]
    [InlineData("RemoveDuplicates", null)] // the name itself is no suggestion
    public void Closest_finds_the_plugin_a_near_miss_meant(string name, string? expected) =>
        Assert.Equal(expected, NameSuggestions.Closest(name, StrategyCatalog.Entries.Keys));

    [Fact]
    public void A_case_only_difference_wins_over_a_closer_spelling_and_ties_go_to_the_ordinal_first()
    {
        Assert.Equal("AB", NameSuggestions.Closest("ab", ["abc", "AB"]));
        Assert.Equal("abcd", NameSuggestions.Closest("abce", ["abcf", "abcd"]));
    }

    [Theory]
    [InlineData("nodefit", "; did you mean 'nodeFit'? (names are case-sensitive)")]
    [InlineData("nodeFitt", "; did you mean 'nodeFit'?")]
    [InlineData("fit", "")]
    public void Hint_says_when_only_the_case_differs(string name, string expected) =>
        Assert.Equal(expected, NameSuggestions.Hint(name, ["nodeFit", "nodeSelector"]));
}
