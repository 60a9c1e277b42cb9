using System.IO.Compression;
using System.Text;

namespace Rebalancer.Cli.Tests;

/// <summary>
/// Malformed input end to end (issue #17, A1–A6): the whole CLI exits 2 with the file, the field path and what is allowed,
/// writes no report and prints no stack trace.
/// </summary>
public sealed class MalformedInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-input-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Pod(string name, string requests = """{"cpu":"100m"}""", string uid = "") => $$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"shop","uid":"{{{(uid.Length > 0 ? uid : "uid-" + name)}}}"},
         "spec":{"nodeName":"n1","containers":[{"name":"app","resources":{"requests":{{{requests}}}}}]},"status":{"phase":"Running"}}
        """;

    private const string Node = """
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"}}}
        """;

    private static string List(params string[] items) => $$"""{"apiVersion":"v1","kind":"List","items":[{{string.Join(",", items)}}]}""";

    public static TheoryData<string, string[]> Snapshots => new()
    {
        {
            List(Node, Pod("big", """{"cpu":"1Ei"}""")),
            ["items[1].spec.containers[0].resources.requests.cpu", "at most 9223372036854775807 millicores", "'1Ei'"]
        },
        { List(Node, Pod("neg", """{"memory":"-1Gi"}""")), ["items[1].spec.containers[0].resources.requests.memory", "a negative quantity; resource amounts are 0 or more"] },
        { List(Node, Pod("a"), Pod("a")), ["items[2].metadata.name", "a second pod shop/a; pods are unique by namespace and name"] },
        { List(Node, Pod("a", uid: "same"), Pod("b", uid: "same")), ["items[2].metadata.uid", "pod shop/b has the uid of pod shop/a"] },
        { List(Node, Node), ["items[1].metadata.name", "a second node n1"] },
    };

    [Theory]
    [MemberData(nameof(Snapshots))]
    public async Task Plan_exits_two_naming_the_file_and_the_path(string json, string[] expected)
    {
        string file = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(file, json);

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", file]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(file + ": ", error, StringComparison.Ordinal);
        Assert.All(expected, e => Assert.Contains(e, error, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_UTF_8_is_refused_at_its_place()
    {
        string file = Path.Combine(_directory, "utf8.json");
        byte[] json = Encoding.UTF8.GetBytes(List(Node, Pod("web")));
        json[Encoding.UTF8.GetString(json).IndexOf("web", StringComparison.Ordinal)] = 0xFF;
        await File.WriteAllBytesAsync(file, json);

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", file]);

        Assert.Equal(2, code);
        Assert.Contains($"{file}: items[1].metadata.name: invalid UTF-8 (byte 0xFF at offset", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated", "the input ends before the trailer (CRC-32 and length): the file is truncated")]
    [InlineData("appended", "data follows the end of the gzip stream")]
    [InlineData("crc", "does not match the CRC-32 in its trailer")]
    public async Task Damaged_gzip_exits_two_naming_the_file(string damage, string expected)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(List(Node, Pod("web"))));
        }

        byte[] bytes = compressed.ToArray();
        bytes = damage switch
        {
            "truncated" => bytes[..^8],
            "appended" => [.. bytes, .. "junk"u8],
            _ => Flip(bytes, bytes.Length - 6),
        };
        string file = Path.Combine(_directory, "snapshot.json.gz");
        await File.WriteAllBytesAsync(file, bytes);

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", file]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains($"{file}: $: not a readable gzip file: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_with_a_custom_tag_and_a_bad_label_key_reports_both()
    {
        string policy = Path.Combine(_directory, "policy.yaml");
        await File.WriteAllTextAsync(policy, """
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            profiles:
              - name: p
                pluginConfig:
                  - name: DefaultEvictor
                    args:
                      labelSelector:
                        matchLabels: {"bad key!": x}
                  - name: Consolidation
                    args:
                      maxNodesPerRun: !custom 2
                plugins:
                  balance: {enabled: [Consolidation]}
            """);

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy]);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(policy, error, StringComparison.Ordinal);
        Assert.Contains("profiles[0].pluginConfig[0].args.labelSelector.matchLabels[\"bad key!\"]: 'bad key!' is not a valid label key", error, StringComparison.Ordinal);
        Assert.Contains("profiles[0].pluginConfig[1].args.maxNodesPerRun: unknown YAML tag '!custom'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_past_the_size_cap_on_standard_input_is_refused()
    {
        string huge = "apiVersion: descheduler/v1alpha2\nkind: DeschedulerPolicy\nx: " + new string('a', 9 << 20) + "\n";

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", "-"], huge);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("<stdin>", error, StringComparison.Ordinal);
        Assert.Contains("the policy is larger than 8 MiB", error, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[at] ^= 0x01;
        return copy;
    }
}
