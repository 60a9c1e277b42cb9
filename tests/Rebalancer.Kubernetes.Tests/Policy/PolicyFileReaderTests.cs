using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Kubernetes.Policy;

namespace Rebalancer.Kubernetes.Tests.Policy;

public class PolicyFileReaderTests
{
    [Fact]
    public void Nodes_know_their_paths_and_mappings_keep_document_order()
    {
        (PolicyNode root, string[] problems) = Parse("""
            zeta: 1
            profiles:
              - name: p
                pluginConfig:
                  - name: DefaultEvictor
                  - name: LowNodeUtilization
                    args:
                      thresholds:
                        cpu: 120
                        "nvidia.com/gpu": 5
                        "odd key": 1
            alpha: 2
            """);

        Assert.Empty(problems);
        Assert.Equal(["zeta", "profiles", "alpha"], root.Entries.Select(e => e.Key));
        PolicyNode thresholds = root["profiles"]!.Items[0]["pluginConfig"]!.Items[1]["args"]!["thresholds"]!;
        Assert.Equal("profiles[0].pluginConfig[1].args.thresholds", thresholds.Path);
        Assert.Equal("profiles[0].pluginConfig[1].args.thresholds.cpu", thresholds["cpu"]!.Path);
        Assert.Equal("120", thresholds["cpu"]!.Scalar);
        Assert.Equal("profiles[0].pluginConfig[1].args.thresholds.nvidia.com/gpu", thresholds["nvidia.com/gpu"]!.Path);
        Assert.Equal("profiles[0].pluginConfig[1].args.thresholds[\"odd key\"]", thresholds["odd key"]!.Path);
        Assert.Equal("profiles[0].pluginConfig[0].name", root["profiles"]!.Items[0]["pluginConfig"]!.Items[0]["name"]!.Path);
    }

    [Theory]
    [InlineData("v: 1", "1", false)]
    [InlineData("v: \"1\"", "1", true)]
    [InlineData("v: '1'", "1", true)]
    [InlineData("v: !!str 1", "1", true)]
    [InlineData("v: true", "true", false)]
    [InlineData("v: \"true\"", "true", true)]
    [InlineData("v: \"null\"", "null", true)]
    [InlineData("v: ''", "", true)]
    [InlineData("v: |\n  line\n", "line\n", true)]
    [InlineData("v: >-\n  folded\n  text\n", "folded text", true)]
    [InlineData("v: 5m", "5m", false)]
    [InlineData("{\"v\": 1.5}", "1.5", false)]
    [InlineData("{\"v\": \"1.5\"}", "1.5", true)]
    public void Scalars_remember_whether_they_were_quoted(string yaml, string value, bool quoted)
    {
        (PolicyNode root, string[] problems) = Parse(yaml);

        Assert.Empty(problems);
        PolicyNode node = root["v"]!;
        Assert.Equal(PolicyNodeKind.Scalar, node.Kind);
        Assert.Equal(value, node.Scalar);
        Assert.Equal(quoted, node.IsQuoted);
    }

    [Theory]
    [InlineData("v: null")]
    [InlineData("v: Null")]
    [InlineData("v: NULL")]
    [InlineData("v: ~")]
    [InlineData("v:")]
    [InlineData("v: !!null ''")]
    [InlineData("{\"v\": null}")]
    public void Null_spellings_become_null_nodes(string yaml)
    {
        (PolicyNode root, string[] problems) = Parse(yaml);

        Assert.Empty(problems);
        Assert.Equal(PolicyNodeKind.Null, root["v"]!.Kind);
        Assert.Equal("v", root["v"]!.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    public void An_empty_document_is_a_null_root(string yaml)
    {
        (PolicyNode root, string[] problems) = Parse(yaml);

        Assert.Empty(problems);
        Assert.Equal(PolicyNodeKind.Null, root.Kind);
    }

    [Fact]
    public void Duplicate_keys_are_problems_with_both_lines_and_the_first_value_is_kept()
    {
        (PolicyNode root, string[] problems) = Parse("""
            profiles:
              - name: a
                plugins: {}
                name: b
            profiles: []
            """);

        Assert.Equal(
        [
            "profiles[0].name: duplicate key 'name' at line 4, column 5 (first at line 2); the first value is used",
            "profiles: duplicate key 'profiles' at line 5, column 1 (first at line 1); the first value is used",
        ], problems);
        Assert.Equal("a", root["profiles"]!.Items[0]["name"]!.Scalar);
    }

    [Fact]
    public void A_syntax_error_names_the_file_the_line_and_the_column()
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse("""
            apiVersion: descheduler/v1alpha2
            profiles:
              - name: p
               plugins: {}
            """, "policy.yaml", new ConfigProblems()));

        ConfigProblem problem = Assert.Single(e.Problems);
        Assert.StartsWith("YAML syntax error at line 4, column ", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith("policy.yaml: 1 problem:", e.Message, StringComparison.Ordinal);
        Assert.Equal("policy.yaml", e.Source);
    }

    [Fact]
    public void Unterminated_json_is_a_syntax_error_with_its_line()
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse("{\n  \"apiVersion\": \"descheduler/v1alpha2\",\n  \"profiles\": [\n", "policy.json", new ConfigProblems()));

        Assert.Matches(@"^YAML syntax error at line 4, column \d+: ", Assert.Single(e.Problems).Message);
    }

    [Theory]
    [InlineData("a: [1, 2\nb: 3\n")]
    [InlineData("a: 'x\n")]
    [InlineData("a:\n\t- b\n")]
    [InlineData("a: b: c\n")]
    public void Every_kind_of_malformed_yaml_is_a_config_exception_with_a_line(string yaml)
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse(yaml, "bad.yaml", new ConfigProblems()));

        Assert.Matches(@"^YAML syntax error (at|after) line 1, column \d+: ", Assert.Single(e.Problems).Message);
    }

    [Fact]
    public void Json_with_tabs_and_nesting_reads_like_yaml()
    {
        (PolicyNode root, string[] problems) = Parse("{\n\t\"profiles\": [\n\t\t{\"name\": \"p\", \"weights\": [1, 2]}\n\t],\n\t\"empty\": {}\n}");

        Assert.Empty(problems);
        Assert.Equal("p", root["profiles"]!.Items[0]["name"]!.Scalar);
        Assert.Equal("profiles[0].weights[1]", root["profiles"]!.Items[0]["weights"]!.Items[1].Path);
        Assert.Equal(PolicyNodeKind.Mapping, root["empty"]!.Kind);
    }

    [Fact]
    public void A_second_document_is_a_problem()
    {
        (PolicyNode root, string[] problems) = Parse("a: 1\n---\nb: 2\n");

        Assert.Equal(["a second YAML document starts at line 2, column 1; a policy file must hold exactly one document"], problems);
        Assert.Equal("1", root["a"]!.Scalar);
    }

    [Fact]
    public void Aliases_are_copied_with_the_paths_of_the_place_that_uses_them()
    {
        (PolicyNode root, string[] problems) = Parse("""
            base: &evictor
              nodeFit: true
              minReplicas: 2
            profiles:
              - args: *evictor
              - args:
                  <<: *evictor
                  minReplicas: 3
                  extra: x
            """);

        Assert.Empty(problems);
        PolicyNode first = root["profiles"]!.Items[0]["args"]!;
        Assert.Equal("profiles[0].args.nodeFit", first["nodeFit"]!.Path);
        Assert.Equal("true", first["nodeFit"]!.Scalar);

        // Merge keys: explicit keys win; merged ones follow them.
        PolicyNode second = root["profiles"]!.Items[1]["args"]!;
        Assert.Equal(["minReplicas", "extra", "nodeFit"], second.Entries.Select(e => e.Key));
        Assert.Equal("3", second["minReplicas"]!.Scalar);
        Assert.Equal("profiles[1].args.nodeFit", second["nodeFit"]!.Path);
    }

    [Fact]
    public void A_merge_key_needs_mappings()
    {
        (_, string[] problems) = Parse("a:\n  <<: 5\n  b: 1\n");

        Assert.Equal(["a: the merge key '<<' at line 2, column 3 needs a mapping or a list of mappings"], problems);
    }

    [Fact]
    public void An_alias_to_an_unknown_anchor_stops_reading_with_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse("a: 1\nb: *missing\n", "p.yaml", new ConfigProblems()));

        ConfigProblem problem = Assert.Single(e.Problems);
        Assert.Contains("*missing", problem.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_refused_before_it_expands()
    {
        string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (char c = 'b'; c <= 'h'; c++)
        {
            char previous = (char)(c - 1);
            yaml += $"{c}: &{c} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n";
        }

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse(yaml, "bomb.yaml", new ConfigProblems()));

        Assert.StartsWith($"aliases expand the document by more than {PolicyFileReader.MaxAliasNodes} values (an alias bomb?)", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_instead_of_overflowing_the_stack()
    {
        string yaml = new string('[', 5000) + new string(']', 5000);

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Parse(yaml, "deep.yaml", new ConfigProblems()));

        Assert.StartsWith($"the document nests deeper than {PolicyFileReader.MaxDepth} levels", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_that_are_not_strings_are_problems()
    {
        (_, string[] problems) = Parse("? [a, b]\n: 1\nc: 2\n");

        Assert.Equal(["the key at line 1, column 3 is a list; keys must be strings"], problems);
    }

    [Fact]
    public void Loads_a_file_and_reports_all_problems_with_the_file_name()
    {
        string path = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            maxNoOfPodsToEvictTotal: "5"
            profiles:
              - name: p
                plugins:
                  balance:
                    enabled: [RemoveDuplicates, RemoveDuplicate]
            """);
        try
        {
            var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Load(path));

            Assert.Equal(
            [
                "maxNoOfPodsToEvictTotal: '5' is not an integer",
                "profiles[0].plugins.balance.enabled[1]: unknown plugin 'RemoveDuplicate' (known balance plugins: " + KnownBalance() + "); did you mean 'RemoveDuplicates'?",
            ], e.Problems.Select(p => p.ToString()));
            Assert.StartsWith(path + ": 2 problems:", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loads_from_standard_input_when_the_path_is_a_dash()
    {
        using var stdin = new StringReader("""
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            profiles: [{name: from-stdin, plugins: {balance: {enabled: [RemoveDuplicates]}}}]
            """);

        DeschedulerPolicy policy = PolicyFileReader.Load(PolicyFileReader.StdinPath, stdin);

        Assert.Equal("from-stdin", Assert.Single(policy.Profiles).Name);
    }

    [Fact]
    public void Problems_from_standard_input_are_named_stdin()
    {
        using var stdin = new StringReader("kind: DeschedulerPolicy\nprofiles: [{name: p}]\n");

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Load(PolicyFileReader.StdinPath, stdin));

        Assert.Equal(["apiVersion: is required; use descheduler/v1alpha2"], e.Problems.Select(p => p.ToString()));
        Assert.StartsWith("<stdin>: 1 problem:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_config_exception_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yaml");

        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.Load(path));

        Assert.StartsWith("cannot read the policy file: ", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_stop_a_load_together_with_binding_problems()
    {
        var e = Assert.Throws<ConfigException>(() => PolicyFileReader.LoadFromText("""
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            kind: DeschedulerPolicy
            gracePeriodSeconds: -1
            profiles: [{name: p, plugins: {balance: {enabled: [RemoveDuplicates]}}}]
            """, "inline"));

        Assert.Equal(
        [
            "kind: duplicate key 'kind' at line 3, column 1 (first at line 2); the first value is used",
            "gracePeriodSeconds: -1 is not in [0, inf]",
        ], e.Problems.Select(p => p.ToString()));
    }

    private static string KnownBalance() =>
        string.Join(", ", StrategyCatalog.Entries.Values
            .Where(e => e.Points.Contains(ExtensionPoint.Balance))
            .Select(e => e.Name)
            .Order(StringComparer.Ordinal));

    private static (PolicyNode Root, string[] Problems) Parse(string yaml)
    {
        var problems = new ConfigProblems();
        PolicyNode root = PolicyFileReader.Parse(yaml, "test.yaml", problems);
        return (root, problems.All.Select(p => p.ToString()).ToArray());
    }
}
