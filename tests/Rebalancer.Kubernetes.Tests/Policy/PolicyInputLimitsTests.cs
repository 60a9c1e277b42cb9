using System.Text;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Policy;

namespace Rebalancer.Kubernetes.Tests.Policy;

/// <summary>
/// What the policy reader refuses and what it must still accept (issue #17, A5/A6): tags other than YAML's own, alias
/// bombs (counted by what aliases add, so a large plain policy passes), files past the size cap, text that is not UTF-8,
/// label selectors no label can match.
/// </summary>
public class PolicyInputLimitsTests
{
    private const string Head = """
        apiVersion: descheduler/v1alpha2
        kind: DeschedulerPolicy
        """;

    private static string[] Problems(string yaml)
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.LoadFromText(yaml, "p.yaml"));
        return [.. e.Problems.Select(p => p.ToString())];
    }

    [Fact]
    public void An_unknown_tag_is_a_problem_at_its_path_not_a_value()
    {
        string[] problems = Problems(Head + """

            profiles:
              - name: p
                pluginConfig:
                  - name: Consolidation
                    args:
                      maxNodesPerRun: !custom 2
                plugins:
                  balance: {enabled: [Consolidation]}
            """);

        Assert.Equal(
            "profiles[0].pluginConfig[0].args.maxNodesPerRun: unknown YAML tag '!custom' at line 8, column 27; a policy uses only YAML's own tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map)",
            Assert.Single(problems));
    }

    [Theory]
    [InlineData("maxNoOfPodsToEvictTotal: !!int 5", null)]
    [InlineData("maxNoOfPodsToEvictTotal: !!int abc", "maxNoOfPodsToEvictTotal: 'abc' at line 3, column 26 is not a !!int")]
    [InlineData("maxNoOfPodsToEvictTotal: !!float 1.5e", "maxNoOfPodsToEvictTotal: '1.5e' at line 3, column 26 is not a !!float")]
    [InlineData("evictionFailureEventNotification: !!bool yes", "evictionFailureEventNotification: 'yes' at line 3, column 35 is not a !!bool")]
    [InlineData("evictionFailureEventNotification: !!bool true", null)]
    [InlineData("profiles: !!map []", "profiles: the tag !!map at line 3, column 11 does not fit a list")]
    [InlineData("profiles: !!seq []", null)]
    [InlineData("nodeSelector: !!seq x", "nodeSelector: the tag !!seq at line 3, column 15 does not fit a scalar")]
    [InlineData("nodeSelector: !<tag:example.com,2025:x> a=b", "nodeSelector: unknown YAML tag 'tag:example.com,2025:x' at line 3, column 15; a policy uses only YAML's own tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map)")]
    public void Standard_tags_must_fit_their_node(string line, string? problem)
    {
        var problems = new ConfigProblems();
        PolicyFileReader.Parse(Head + "\n" + line + "\n", "p.yaml", problems);

        Assert.Equal(problem is null ? [] : [problem], problems.All.Select(p => p.ToString()));
    }

    [Fact]
    public void A_large_plain_policy_is_read_while_aliases_are_counted_apart()
    {
        // 200,000 excluded namespaces: ~4 MiB, 200,000 values, no alias. The old guard counted values and refused it.
        var yaml = new StringBuilder(Head + """

            profiles:
              - name: p
                pluginConfig:
                  - name: RemoveDuplicates
                    args:
                      namespaces:
                        exclude:

            """);
        for (int i = 0; i < 200_000; i++)
        {
            yaml.Append("              - team-").Append(i).Append('\n');
        }

        yaml.Append("    plugins:\n      balance: {enabled: [RemoveDuplicates]}\n");
        Assert.True(yaml.Length < PolicyFileReader.MaxFileBytes);

        DeschedulerPolicy policy = PolicyFileReader.LoadFromText(yaml.ToString(), "big.yaml");

        Assert.Single(policy.Profiles);
    }

    [Fact]
    public void A_document_past_MaxNodes_values_is_refused_with_its_position()
    {
        string yaml = "[" + string.Join(',', Enumerable.Repeat("a", PolicyFileReader.MaxNodes)) + "]";

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse(yaml, "wide.yaml", new ConfigProblems()));

        Assert.StartsWith($"the document holds more than {PolicyFileReader.MaxNodes} values; a policy is far smaller (at line 1, column ",
            Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scalar_past_the_length_cap_is_a_problem()
    {
        string[] problems = Problems(Head + "\nnodeSelector: " + new string('a', PolicyFileReader.MaxScalarLength + 1) + "\n");

        Assert.Contains($"nodeSelector: a value of {PolicyFileReader.MaxScalarLength + 1} characters at line 3, column 15; policy values are at most {PolicyFileReader.MaxScalarLength}", problems);
    }

    [Fact]
    public void A_file_past_the_size_cap_is_refused_unread_and_named()
    {
        string path = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.yaml");
        using (var file = File.Create(path))
        {
            file.Write(Encoding.UTF8.GetBytes(Head + "\n# "));
            file.Write(new byte[PolicyFileReader.MaxFileBytes]);
        }

        try
        {
            var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Load(path));

            Assert.Equal($"{path}: 1 problem:" + Environment.NewLine + "  the policy is larger than 8 MiB; a policy file is at most 8388608 bytes (a policy in a ConfigMap at most 1 MiB)", e.Message);
            Assert.Equal(e.Message, Assert.Throws<ConfigException>(() => PolicyFileReader.ReadText(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, "the policy is not valid utf-8 text at byte 22; save it as UTF-8")]
    [InlineData(new byte[] { 0xC0, 0xAF }, "the policy is not valid utf-8 text at byte 22; save it as UTF-8")]
    public void Text_that_is_not_UTF_8_is_refused(byte[] bad, string problem)
    {
        byte[] bytes = [.. "kind: DeschedulerPolicy"u8[..22], .. bad, .. "\n"u8];

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.ReadText(new MemoryStream(bytes), "<stdin>"));

        Assert.Equal(problem, Assert.Single(e.Problems).Message);
    }

    [Fact]
    public void Byte_order_marks_choose_the_encoding_as_before()
    {
        string text = Head + "\n";
        Assert.Equal(text, PolicyFileReader.ReadText(new MemoryStream([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)]), "x"));
        Assert.Equal(text, PolicyFileReader.ReadText(new MemoryStream([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]), "x"));
        Assert.Equal(text, PolicyFileReader.ReadText(new MemoryStream(Encoding.UTF8.GetBytes(text)), "x"));
    }

    [Fact]
    public void An_invalid_label_key_in_a_selector_is_a_problem_not_a_selector_that_matches_nothing()
    {
        string[] problems = Problems(Head + """

            profiles:
              - name: p
                pluginConfig:
                  - name: DefaultEvictor
                    args:
                      labelSelector:
                        matchLabels:
                          "bad key!": "x"
                plugins:
                  balance: {enabled: [RemoveDuplicates]}
            """);

        Assert.Equal(
            ["profiles[0].pluginConfig[0].args.labelSelector.matchLabels[\"bad key!\"]: 'bad key!' is not a valid label key: the name must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional prefix and '/' (e.g. app.kubernetes.io/name)"],
            problems);
    }
}
