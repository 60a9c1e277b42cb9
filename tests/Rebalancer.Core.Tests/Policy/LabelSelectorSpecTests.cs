using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Tests.Policy;

/// <summary>
/// Label keys and values in selectors follow Kubernetes' rules (apimachinery IsQualifiedName / IsValidLabelValue), so a
/// typo is a problem at its path instead of a selector that silently matches nothing (issue #17, A6).
/// </summary>
public class LabelSelectorSpecTests
{
    [Theory]
    [InlineData("app")]
    [InlineData("app.kubernetes.io/name")]
    [InlineData("kubernetes.io/os")]
    [InlineData("node-role.kubernetes.io/control-plane")]
    [InlineData("A_b.C-9")]
    [InlineData("x")]
    [InlineData("example.com/a")]
    public void Valid_keys(string key) => Assert.True(LabelSelectorSpec.IsValidKey(key, out string error), error);

    [Theory]
    [InlineData("bad key!", "the name must be")]
    [InlineData("", "the name must be")]
    [InlineData("-app", "the name must be")]
    [InlineData("app-", "the name must be")]
    [InlineData("a/b/c", "the name must be")]
    [InlineData("/app", "the prefix before '/'")]
    [InlineData("Example.com/app", "the prefix before '/'")]
    [InlineData("example..com/app", "the prefix before '/'")]
    [InlineData("-example.com/app", "the prefix before '/'")]
    [InlineData("example.com/", "the name must be")]
    [InlineData("app\u00e9", "the name must be")]
    public void Invalid_keys_say_which_rule(string key, string rule)
    {
        Assert.False(LabelSelectorSpec.IsValidKey(key, out string error));
        Assert.StartsWith(rule, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_parts_have_Kubernetes_length_limits()
    {
        Assert.True(LabelSelectorSpec.IsValidKey(new string('a', 63), out _));
        Assert.False(LabelSelectorSpec.IsValidKey(new string('a', 64), out _));
        string prefix = string.Join('.', Enumerable.Repeat(new string('p', 63), 4))[..253];
        Assert.True(LabelSelectorSpec.IsValidKey(prefix + "/a", out string error), error);
        Assert.False(LabelSelectorSpec.IsValidKey(prefix + "p/a", out _));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("web", true)]
    [InlineData("v1.2_3-a", true)]
    [InlineData("has space", false)]
    [InlineData("-lead", false)]
    [InlineData("trail.", false)]
    [InlineData("a/b", false)]
    public void Values(string value, bool valid) => Assert.Equal(valid, LabelSelectorSpec.IsValidValue(value, out _));

    [Fact]
    public void Values_are_at_most_63_characters() =>
        Assert.Equal((true, false), (LabelSelectorSpec.IsValidValue(new string('v', 63), out _), LabelSelectorSpec.IsValidValue(new string('v', 64), out _)));

    [Theory]
    [InlineData("app=web,tier!=db,zone in (a,b),!legacy,gpu", true)]
    [InlineData("app=", true)]
    [InlineData("bad key!=x", false)]
    [InlineData("app=has space", false)]
    [InlineData("zone in (a,-b)", false)]
    [InlineData("!Bad.com/x", false)]
    [InlineData("cpu>4", false)]
    public void The_string_form_checks_keys_and_values(string text, bool valid)
    {
        Assert.Equal(valid, LabelSelectorSpec.TryParse(text, out _, out string error));
        Assert.Equal(valid, error.Length == 0);
    }

    [Fact]
    public void A_structured_selector_reports_each_bad_key_and_value_at_its_path()
    {
        PolicyNode node = PolicyJson.Parse("""
            {"matchLabels": {"bad key!": "x", "app": "has space"},
             "matchExpressions": [{"key": "ok", "operator": "In", "values": ["fine", "not fine"]},
                                  {"key": "-nope", "operator": "Exists"}]}
            """, "args.labelSelector");
        var problems = new ConfigProblems();

        ArgsReader.ReadLabelSelector(node, problems);

        Assert.Equal(
        [
            "args.labelSelector.matchLabels[\"bad key!\"]",
            "args.labelSelector.matchLabels.app",
            "args.labelSelector.matchExpressions[0].values[1]",
            "args.labelSelector.matchExpressions[1].key",
        ], problems.All.Select(p => p.Path));
        Assert.Equal(
        [
            "'bad key!' is not a valid label key",
            "'has space' is not a valid label value",
            "'not fine' is not a valid label value",
            "'-nope' is not a valid label key",
        ], problems.All.Select(p => p.Message[..p.Message.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void A_valid_structured_selector_has_no_problems()
    {
        PolicyNode node = PolicyJson.Parse("""
            {"matchLabels": {"app.kubernetes.io/name": "web", "tier": ""},
             "matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a", "b-1"]}]}
            """);
        var problems = new ConfigProblems();

        LabelSelectorSpec? selector = ArgsReader.ReadLabelSelector(node, problems);

        Assert.False(problems.Any);
        Assert.Equal(3, selector!.Requirements.Count);
    }
}
