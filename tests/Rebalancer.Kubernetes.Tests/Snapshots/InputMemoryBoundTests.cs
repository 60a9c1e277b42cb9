using System.IO.Compression;
using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Policy;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>Allocation measurements see every thread of the process, so these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
    public const string Name = "Memory bounds";
}

/// <summary>
/// Hostile inputs that are small on disk or on a pipe but huge once read (issue #17, A5): GiBs of whitespace, a scalar of
/// GiBs, a gzip bomb. Each is generated lazily (nothing the size of the input exists in memory or on disk), and each test
/// asserts what the loader allocated in all, far below the input's size: memory is bounded by design, not by luck.
/// </summary>
[Collection(MemoryBoundCollection.Name)]
public class InputMemoryBoundTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    [Fact]
    public void A_GiB_of_whitespace_inside_a_document_is_read_in_a_few_blocks()
    {
        byte[] head = """{"apiVersion":"v1","kind":"List","items":["""u8.ToArray();
        var input = new GeneratedStream(head, (byte)' ', GiB, "]}"u8.ToArray());

        (SnapshotLoadResult result, long allocated) = Measure(() => SnapshotLoader.Load(input, "padded.json"));

        Assert.Equal(0, result.Snapshot.Pods.Count);
        Assert.Equal(head.Length + GiB + 2, result.Statistics.Bytes);
        Assert.True(allocated < 64 * MiB, $"allocated {allocated / MiB} MiB for 1 GiB of whitespace");
    }

    [Fact]
    public void A_GiB_of_whitespace_and_nothing_else_is_no_document_and_no_memory()
    {
        var input = new GeneratedStream([], (byte)'\n', GiB, []);

        (SnapshotFormatException error, long allocated) = MeasureFailure<SnapshotFormatException>(() => SnapshotLoader.Load(input, "<stdin>"));

        Assert.Equal("<stdin>: $: the input contains no JSON document", error.Message);
        Assert.True(allocated < 64 * MiB, $"allocated {allocated / MiB} MiB for 1 GiB of whitespace");
    }

    [Fact]
    public void A_2_GiB_pod_name_stops_at_the_token_limit()
    {
        var input = new GeneratedStream("{\"kind\":\"Pod\",\"metadata\":{\"name\":\""u8.ToArray(), (byte)'x', 2 * GiB, "\"}}"u8.ToArray());

        (SnapshotFormatException error, long allocated) = MeasureFailure<SnapshotFormatException>(() => SnapshotLoader.Load(input, "name.json"));

        Assert.Equal("metadata.name", error.JsonPath);
        Assert.Equal("a single value (string, number or comment) is longer than 16 MiB; Kubernetes objects are at most a few MiB", error.Problem);
        Assert.True(input.Position < 64 * MiB, $"read {input.Position / MiB} MiB of the input");
        Assert.True(allocated < 96 * MiB, $"allocated {allocated / MiB} MiB");
    }

    [Fact]
    public void A_gzip_bomb_of_a_long_name_is_refused_without_holding_it()
    {
        // A few MiB of gzip that expand to a 512 MiB pod name.
        byte[] bomb = Gzip(new GeneratedStream("{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\""u8.ToArray(), (byte)'x', 512 * MiB, "\"}}]}"u8.ToArray()));
        Assert.True(bomb.Length < 8 * MiB, $"the bomb is {bomb.Length} bytes");

        (SnapshotFormatException error, long allocated) = MeasureFailure<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(bomb), "bomb.json.gz"));

        Assert.Equal("bomb.json.gz: items[0].metadata.name: a single value (string, number or comment) is longer than 16 MiB; Kubernetes objects are at most a few MiB", error.Message);
        Assert.True(allocated < 96 * MiB, $"allocated {allocated / MiB} MiB");
    }

    [Fact]
    public void One_object_of_many_small_tokens_stops_at_the_object_limit()
    {
        // An object of a kind the loader skips, 80 MiB of small members: each token is small, the object is not.
        byte[] member = "\"k\":[1,2,3,4,5,6,7,8,9],"u8.ToArray();
        var input = new GeneratedStream("""{"kind":"List","items":[{"kind":"ConfigMap","data":{"""u8.ToArray(), member, 80 * MiB / member.Length, "\"end\":0}}]}"u8.ToArray());

        (SnapshotFormatException error, long allocated) = MeasureFailure<SnapshotFormatException>(() => SnapshotLoader.Load(input, "wide.json"));

        Assert.Equal("items[0]", error.JsonPath);
        Assert.Equal("one object needs more than 64 MiB to hold (its text and tokens); Kubernetes objects are at most a few MiB", error.Problem);
        Assert.True(allocated < 192 * MiB, $"allocated {allocated / MiB} MiB");
    }

    [Fact]
    public void Large_objects_and_long_whitespace_below_the_limits_still_load()
    {
        // 3 MiB of short runs of whitespace between tokens, and a 12 MiB string in a skipped field.
        var json = new StringBuilder(List(Node("node-a"), Pod("before")));
        json.Insert(json.Length - 2, ",\n" + Pod("big", status: $"{{\"message\":\"{new string('m', 12 << 20)}\",\"phase\":\"Running\"}}"));
        json.Insert(1, string.Concat(Enumerable.Repeat(" \n\t", 1 << 20)));

        SnapshotLoadResult result = SnapshotLoader.Load(new TrickleStream(Encoding.UTF8.GetBytes(json.ToString()), 1 << 16), "ok.json");

        Assert.Equal(2, result.Snapshot.Pods.Count);
    }

    [Fact]
    public void A_200_MiB_scalar_policy_is_refused_before_it_is_read()
    {
        var input = new GeneratedStream("apiVersion: descheduler/v1alpha2\nkind: DeschedulerPolicy\nx: "u8.ToArray(), (byte)'a', 200 * MiB, "\n"u8.ToArray());

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ConfigException>(() => PolicyFileReader.ReadText(input, "<stdin>"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("the policy is larger than 8 MiB; a policy file is at most 8388608 bytes (a policy in a ConfigMap at most 1 MiB)",
            Assert.Single(error.Problems).Message);
        Assert.StartsWith("<stdin>: ", error.Message, StringComparison.Ordinal);
        Assert.True(input.Position <= 9 * MiB, $"read {input.Position / MiB} MiB");
        Assert.True(allocated < 40 * MiB, $"allocated {allocated / MiB} MiB");
    }

    private static (T Result, long Allocated) Measure<T>(Func<T> action)
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        T result = action();
        return (result, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static (TException Error, long Allocated) MeasureFailure<TException>(Action action)
        where TException : Exception
    {
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        TException error = Assert.Throws<TException>(action);
        return (error, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static byte[] Gzip(Stream content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            content.CopyTo(gzip, 1 << 20);
        }

        return compressed.ToArray();
    }
}

/// <summary>
/// A prefix, a filler repeated <c>count</c> times, a suffix: produced as it is read, so a GiB-sized input costs nothing
/// until someone reads it.
/// </summary>
internal sealed class GeneratedStream(byte[] prefix, byte[] filler, long count, byte[] suffix) : ReadOnlyStream
{
    private readonly long _length = prefix.Length + (filler.Length * count) + suffix.Length;
    private long _position;

    public GeneratedStream(byte[] prefix, byte filler, long count, byte[] suffix)
        : this(prefix, [filler], count, suffix)
    {
    }

    /// <summary>Bytes produced so far.</summary>
    public override long Position
    {
        get => Volatile.Read(ref _position);
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        while (written < buffer.Length && _position < _length)
        {
            long fillerEnd = prefix.Length + (filler.Length * count);
            int n;
            if (_position < prefix.Length)
            {
                n = Math.Min(buffer.Length - written, prefix.Length - (int)_position);
                prefix.AsSpan((int)_position, n).CopyTo(buffer[written..]);
            }
            else if (_position < fillerEnd)
            {
                long into = _position - prefix.Length;
                int phase = (int)(into % filler.Length);
                n = (int)Math.Min(buffer.Length - written, fillerEnd - _position);
                if (filler.Length == 1)
                {
                    buffer.Slice(written, n).Fill(filler[0]);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        buffer[written + i] = filler[(phase + i) % filler.Length];
                    }
                }
            }
            else
            {
                int at = (int)(_position - fillerEnd);
                n = Math.Min(buffer.Length - written, suffix.Length - at);
                suffix.AsSpan(at, n).CopyTo(buffer[written..]);
            }

            written += n;
            Volatile.Write(ref _position, _position + n);
        }

        return written;
    }
}
