using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>
/// Values Kubernetes itself never stores are refused with the file, the JSON path and what is allowed (issue #17, A1–A4):
/// quantities past 64 bits, negative amounts, duplicate objects, totals no cluster reaches, strings that are not UTF-8 or
/// longer than Kubernetes allows.
/// </summary>
public class SnapshotValueRulesTests
{
    private static string Requests(string name, string requests) =>
        Pod(name, containers: $$$"""[{"name":"app","image":"nginx","resources":{"requests":{{{requests}}}}}]""");

    private static string Pdb(string name, string spec, string status = "null") =>
        $$"""{"kind":"PodDisruptionBudget","metadata":{"name":"{{name}}","namespace":"default"},"spec":{{spec}},"status":{{status}}}""";

    private static string PodMetrics(string name, string usage) =>
        $$"""{"kind":"PodMetrics","metadata":{"name":"{{name}}","namespace":"default"},"containers":[{"name":"app","usage":{{usage}}}]}""";

    private static string NodeMetrics(string name, string usage) =>
        $$"""{"kind":"NodeMetrics","metadata":{"name":"{{name}}"},"usage":{{usage}}}""";

    public static TheoryData<string, string, string, string?> Refused => new()
    {
        // A1: beyond what Kubernetes can count, at the resource's unit.
        {
            List(Requests("big", """{"cpu":"1Ei"}""")),
            "items[0].spec.containers[0].resources.requests.cpu",
            "a quantity beyond what Kubernetes can count: at most 9223372036854775807 millicores (9223372036854775.807)", "1Ei"
        },
        {
            List(Requests("big", """{"memory":"8Ei"}""")),
            "items[0].spec.containers[0].resources.requests.memory",
            "a quantity beyond what Kubernetes can count: at most 9223372036854775807 (2^63 - 1)", "8Ei"
        },
        {
            List(Requests("long", $$"""{"memory":"{{new string('9', 100_000)}}"}""")),
            "items[0].spec.containers[0].resources.requests.memory", "a quantity longer than 64 characters", new string('9', 100_000)
        },
        {
            List(Node("n1", allocatable: """{"cpu":"1e400"}""")),
            "items[0].status.allocatable.cpu",
            "a quantity beyond what Kubernetes can count: at most 9223372036854775807 millicores (9223372036854775.807)", "1e400"
        },

        // A1: sums. One pod's containers, then all pods' requests, all nodes' allocatable, usage.
        {
            List(Pod("two", containers: """[{"name":"a","resources":{"requests":{"memory":"7Ei"}}},{"name":"b","resources":{"requests":{"memory":"7Ei"}}}]""")),
            "items[0].spec", "its containers' requests (with overhead) add up to more than 9223372036854775807 in one resource", null
        },
        {
            List(Requests("a", """{"memory":"3Ei"}"""), Requests("b", """{"memory":"3Ei"}""")),
            "items[1].spec", "the pods' requests of memory add up to more than 4611686018427387904 bytes (2^62), more than any cluster holds; a value is wrong", null
        },
        {
            List(Node("n1", allocatable: """{"cpu":"3000000000000000"}"""), Node("n2", allocatable: """{"cpu":"3000000000000000"}""")),
            "items[1].status.allocatable",
            "the nodes' allocatable amounts of cpu add up to more than 4611686018427387904 millicores (2^62), more than any cluster holds; a value is wrong", null
        },
        {
            List(PodMetrics("a", """{"cpu":"3000000000000000","memory":"1"}"""), PodMetrics("b", """{"cpu":"3000000000000000","memory":"1"}""")),
            "items[1].containers.usage.cpu",
            "the pods' usage of cpu add up to more than 4611686018427387904 millicores (2^62), more than any cluster holds; a value is wrong", null
        },
        {
            List("""{"kind":"PodMetrics","metadata":{"name":"a"},"containers":[{"usage":{"memory":"3Ei"}},{"usage":{"memory":"3Ei"}}]}"""),
            "items[0].containers[1].usage.memory", "the usage of memory adds up to more than 4611686018427387904 bytes, more than any cluster holds", null
        },

        // A2: negative amounts anywhere a resource list is read, and whitespace Kubernetes never writes.
        { List(Requests("neg", """{"cpu":"-1"}""")), "items[0].spec.containers[0].resources.requests.cpu", "a negative quantity; resource amounts are 0 or more", "-1" },
        { List(Requests("neg", """{"cpu":-5}""")), "items[0].spec.containers[0].resources.requests.cpu", "a negative quantity; resource amounts are 0 or more", "-5" },
        { List(Requests("neg", """{"memory":"-1Gi"}""")), "items[0].spec.containers[0].resources.requests.memory", "a negative quantity; resource amounts are 0 or more", "-1Gi" },
        {
            List(Pod("neg", containers: """[{"name":"a","resources":{"limits":{"nvidia.com/gpu":"-1"}}}]""")),
            "items[0].spec.containers[0].resources.limits[\"nvidia.com/gpu\"]", "a negative quantity; resource amounts are 0 or more", "-1"
        },
        { List(Pod("neg", spec: ""","overhead":{"cpu":"-10m"}""")), "items[0].spec.overhead.cpu", "a negative quantity; resource amounts are 0 or more", "-10m" },
        { List(Node("n1", allocatable: """{"cpu":"-4"}""")), "items[0].status.allocatable.cpu", "a negative quantity; resource amounts are 0 or more", "-4" },
        { List(Node("n1", allocatable: """{"memory":"-16Gi"}""")), "items[0].status.allocatable.memory", "a negative quantity; resource amounts are 0 or more", "-16Gi" },
        { List(Node("n1", allocatable: """{"pods":"-110"}""")), "items[0].status.allocatable.pods", "a negative quantity; resource amounts are 0 or more", "-110" },
        {
            List("""{"kind":"Node","metadata":{"name":"n1"},"status":{"capacity":{"cpu":"4","memory":"-1"}}}"""),
            "items[0].status.capacity.memory", "a negative quantity; resource amounts are 0 or more", "-1"
        },
        { List(NodeMetrics("n1", """{"cpu":"-100m","memory":"1Gi"}""")), "items[0].usage.cpu", "a negative quantity; resource amounts are 0 or more", "-100m" },
        { List(PodMetrics("p", """{"cpu":"1m","memory":"-1Mi"}""")), "items[0].containers[0].usage.memory", "a negative quantity; resource amounts are 0 or more", "-1Mi" },
        {
            List(Requests("space", """{"cpu":" 1"}""")), "items[0].spec.containers[0].resources.requests.cpu",
            "invalid quantity; expected a number of 0 or more with an optional suffix, without spaces: 250m, 2, 1.5, 512Mi, 2Gi, 1e3", " 1"
        },
        {
            List(Pdb("p", """{"minAvailable":-1}""")), "items[0].spec.minAvailable",
            "expected an integer of 0 or more or a percentage from \"0%\" to \"100%\"", "-1"
        },
        {
            List(Pdb("p", """{"maxUnavailable":"-10%"}""")), "items[0].spec.maxUnavailable",
            "expected an integer or a percentage such as \"50%\"", "-10%"
        },
        {
            List(Pdb("p", """{"maxUnavailable":"+10%"}""")), "items[0].spec.maxUnavailable",
            "expected an integer or a percentage such as \"50%\"", "+10%"
        },
        {
            List(Pdb("p", """{"minAvailable":"150%"}""")), "items[0].spec.minAvailable",
            "expected an integer of 0 or more or a percentage from \"0%\" to \"100%\"", "150%"
        },
        {
            List(Pdb("p", """{"minAvailable":1,"maxUnavailable":1}""")), "items[0].spec",
            "sets both minAvailable and maxUnavailable; a PodDisruptionBudget sets one of them", null
        },
        {
            List(Pdb("p", """{"minAvailable":1}""", """{"disruptionsAllowed":-1,"currentHealthy":2,"desiredHealthy":1,"expectedPods":2}""")),
            "items[0].status.disruptionsAllowed", "is negative; it counts, so it is 0 or more", "-1"
        },
        {
            List(Pod("p", status: """{"phase":"Running","containerStatuses":[{"name":"a","restartCount":-3}]}""")),
            "items[0].status.containerStatuses[0].restartCount", "a negative restart count; it counts, so it is 0 or more", "-3"
        },

        // A3: every object appears once.
        { List(Pod("web-1"), Pod("web-1")), "items[1].metadata.name", "a second pod default/web-1; pods are unique by namespace and name", "web-1" },
        {
            List(Pod("web-1"), Pod("web-2", metadata: ""","uid":"uid-web-1" """)),
            "items[1].metadata.uid", "pod default/web-2 has the uid of pod default/web-1; uids are unique", "uid-web-1"
        },
        {
            List(Pod("web-1"), Pod("web-1").Replace("uid-web-1", "another-uid", StringComparison.Ordinal)),
            "items[1].metadata.name", "a second pod default/web-1; pods are unique by namespace and name", "web-1"
        },
        { List(Node("node-a"), Node("node-a")), "items[1].metadata.name", "a second node node-a; each object appears once", "node-a" },
        {
            List(Pdb("budget", """{"minAvailable":1}"""), Pdb("budget", """{"minAvailable":2}""")),
            "items[1].metadata.name", "a second PodDisruptionBudget default/budget; each object appears once", "default/budget"
        },
        {
            List("""{"kind":"Namespace","metadata":{"name":"shop"}}""", """{"kind":"Namespace","metadata":{"name":"shop"}}"""),
            "items[1].metadata.name", "a second Namespace shop; each object appears once", "shop"
        },
        {
            List("""{"kind":"PriorityClass","metadata":{"name":"high"},"value":1000}""", """{"kind":"PriorityClass","metadata":{"name":"high"},"value":1}"""),
            "items[1].metadata.name", "a second PriorityClass high; each object appears once", "high"
        },
        { List(NodeMetrics("n1", "{}"), NodeMetrics("n1", "{}")), "items[1].metadata.name", "a second NodeMetrics n1; each object appears once", "n1" },
        { Pod("web-1") + "\n" + Pod("web-1"), "documents[1].metadata.name", "a second pod default/web-1; pods are unique by namespace and name", "web-1" },

        // A4: sizes Kubernetes bounds.
        { List(Pod(new string('p', 254))), "items[0].metadata.name", "is longer than 253 bytes, the most Kubernetes allows", new string('p', 254) },
        { List(Pod("p", ns: new string('n', 64))), "items[0].metadata.namespace", "is longer than 63 bytes, the most Kubernetes allows", new string('n', 64) },
        {
            List(Pod("p", metadata: $$""","labels":{"app":"web","tier":"{{new string('v', 64)}}"}""")),
            "items[0].metadata.labels.tier", "a label value of 64 bytes; label values are at most 63 bytes", new string('v', 64)
        },
        {
            List(Pod("p", metadata: $$""","annotations":{"a":"{{new string('a', 200_000)}}","b":"{{new string('b', 70_000)}}"}""")),
            "items[0].metadata.annotations", "annotations of more than 262144 bytes (keys and values together); Kubernetes allows at most 256 KiB", null
        },
        {
            List(Pod("p", status: $$"""{"phase":"Running","reason":"{{new string('r', 300_000)}}"}""")),
            "items[0].status.reason", "a string of 300000 bytes; strings the loader reads are at most 262144 bytes", null
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Values_Kubernetes_never_stores_are_refused_with_their_path(string json, string path, string problem, string? value)
    {
        SnapshotFormatException error = LoadFails(json);

        Assert.Equal((Source, path, problem, value), (error.Source, error.JsonPath, error.Problem, error.Value));
        Assert.StartsWith($"{Source}: {path}: {problem}", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> InvalidUtf8 => new()
    {
        { "0xFF in a value", [.. "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a"u8, 0xFF, .. "\"}}"u8], "metadata.name" },
        { "an overlong slash", [.. "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a"u8, 0xC0, 0xAF, .. "\"}}"u8], "metadata.name" },
        { "a lone continuation byte in a key", [.. "{\"kind\":\"Pod\",\"metadata\":{\"na"u8, 0x80, .. "me\":\"a\"}}"u8], "metadata" },
        { "an encoded surrogate", [.. "{\"kind\":\"Pod\",\"metadata\":{\"name\":\""u8, 0xED, 0xA0, 0x80, .. "\"}}"u8], "metadata.name" },
        { "in a skipped field", [.. "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"hostname\":\""u8, 0xFE, .. "\"}}"u8], "spec" },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Text_that_is_not_UTF_8_is_refused_where_it_is(string description, byte[] json, string path)
    {
        Assert.NotEmpty(description);
        foreach (int bufferSize in new[] { 16, 1 << 20 })
        {
            SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(new MemoryStream(json), bufferSize));
            Assert.Equal(path, error.JsonPath);
            Assert.StartsWith("invalid UTF-8 (byte 0x", error.Problem, StringComparison.Ordinal);
            Assert.EndsWith("; JSON text must be UTF-8", error.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Invalid_UTF_8_far_into_a_stream_is_reported_at_its_offset_and_item()
    {
        var items = new List<string>();
        for (int i = 0; i < 400; i++)
        {
            items.Add(Pod($"p{i}", metadata: i == 377 ? ""","labels":{"app":"web","team":"BAD"}""" : string.Empty));
        }

        byte[] json = Encoding.UTF8.GetBytes(List([.. items]));
        int bad = json.AsSpan().IndexOf("BAD"u8);
        json[bad] = 0xFF;
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(new TrickleStream(json, 5000), bufferSize: 4096));

        Assert.Equal("items[377].metadata.labels.team", error.JsonPath);
        Assert.Equal($"invalid UTF-8 (byte 0xFF at offset {bad} of the input); JSON text must be UTF-8", error.Problem);
    }

    [Fact]
    public void An_escape_that_is_not_a_character_is_refused_not_thrown()
    {
        SnapshotFormatException error = LoadFails("""{"kind":"Pod","metadata":{"name":"a\ud800"}}""");

        Assert.Equal("metadata.name", error.JsonPath);
        Assert.Equal("invalid JSON: an escape sequence is not a Unicode character (a lone UTF-16 surrogate)", error.Problem);
    }

    [Fact]
    public void Amounts_up_to_the_limits_load()
    {
        // 2^62 in one pod's memory and in the cluster's cpu, every form of zero, the largest name Kubernetes allows.
        string name = new('p', 253);
        ClusterSnapshot s = Load(List(
            Node("node-a", allocatable: """{"cpu":"4611686018427387.904","memory":"0","pods":"0"}"""),
            Requests(name, """{"memory":"4Ei","cpu":"0"}""").Replace("uid-" + name, "uid-long", StringComparison.Ordinal),
            Pdb("p", """{"maxUnavailable":"100%"}"""),
            Pdb("q", """{"minAvailable":0}"""))).Snapshot;

        Assert.Equal(1L << 62, Request(s, PodIndex(s, name), "memory"));
        Assert.Equal(1L << 62, Allocatable(s, 0, "cpu"));
        Assert.Equal(2, s.Pdbs.Count);
    }

    [Fact]
    public void Pods_without_uids_are_not_duplicates_of_each_other()
    {
        string a = Pod("a").Replace("\"uid\":\"uid-a\",", string.Empty, StringComparison.Ordinal);
        string b = Pod("b").Replace("\"uid\":\"uid-b\",", string.Empty, StringComparison.Ordinal);

        ClusterSnapshot s = Load(List(a, b)).Snapshot;

        Assert.Equal(2, s.Pods.Count);
    }

    [Fact]
    public void Pods_of_one_name_in_two_namespaces_are_two_pods()
    {
        ClusterSnapshot s = Load(List(Pod("web", ns: "a"), Pod("web", ns: "b").Replace("uid-web", "uid-web-b", StringComparison.Ordinal))).Snapshot;

        Assert.Equal(["a/web", "b/web"], Enumerable.Range(0, s.Pods.Count).Select(s.PodKey));
    }
}
