using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>
/// Gzip input is checked as gzip defines it (issue #17, A6): a file cut before its trailer, one with bytes appended and
/// one whose CRC-32 or length does not match are each a clear error naming the file; members one after another load as
/// one, and every header field RFC 1952 allows is read. Each case is read from a file-like stream and from a pipe.
/// </summary>
public class GzipInputTests
{
    private static readonly byte[] Json = Encoding.UTF8.GetBytes(List(Node("node-a"), Pod("web-1"), Pod("web-2")));

    private static readonly byte[] Compressed = Gzip(Json);

    public static TheoryData<string, int> Chunks => new() { { "file", int.MaxValue }, { "pipe", 1 }, { "pipe", 100 } };

    [Theory]
    [MemberData(nameof(Chunks))]
    public void A_whole_file_and_members_one_after_another_load(string how, int chunk)
    {
        Assert.NotEmpty(how);
        string expected = Dump(SnapshotLoader.Load(new MemoryStream(Json), "x.json"));
        byte[] first = Gzip(Json[..100]);
        byte[] second = Gzip(Json[100..]);

        Assert.Equal(expected, Dump(SnapshotLoader.Load(new TrickleStream(Compressed, chunk), "x.json")));
        Assert.Equal(expected, Dump(SnapshotLoader.Load(new TrickleStream([.. first, .. second], chunk), "x.json")));
        Assert.Equal(expected, Dump(SnapshotLoader.Load(new TrickleStream([.. first, .. Gzip([]), .. second], chunk), "x.json")));
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Every_optional_header_field_is_read_and_the_header_CRC_checked(string how, int chunk)
    {
        Assert.NotEmpty(how);
        byte[] header = [0x1F, 0x8B, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3, 3, 0, (byte)'a', (byte)'b', (byte)'c', .. "x.json\0"u8, .. "made by hand\0"u8];
        uint crc16 = Crc32.HashToUInt32(header) & 0xFFFF;
        byte[] file = [.. header, (byte)crc16, (byte)(crc16 >> 8), .. Deflate(Json), .. Trailer(Json)];

        Assert.Equal(2, SnapshotLoader.Load(new TrickleStream(file, chunk), "x.json.gz").Snapshot.Pods.Count);

        file[header.Length] ^= 1;
        Assert.Equal("x.json.gz: $: not a readable gzip file: the header does not match its CRC-16: the file is damaged", Fails(file, chunk));
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> Damaged => new()
    {
        { "no trailer", b => b[..^8], "the input ends before the trailer (CRC-32 and length): the file is truncated" },
        { "half a trailer", b => b[..^3], "the input ends before the trailer (CRC-32 and length): the file is truncated" },
        { "cut in the data", b => b[..(b.Length / 2)], "the input ends inside the compressed data: the file is truncated" },
        { "cut in the header", b => b[..6], "the input ends inside the header: the file is truncated" },
        { "text appended", b => [.. b, .. "garbage!"u8], $"data follows the end of the gzip stream at offset {Compressed.Length} and is not another gzip member: the file has something appended" },
        { "a newline appended", b => [.. b, (byte)'\n'], $"data follows the end of the gzip stream at offset {Compressed.Length} and is not another gzip member: the file has something appended" },
        { "a bad second member", b => [.. b, 0x1F, 0x8B, 7, 0, 0, 0, 0, 0, 0, 3], "unsupported compression method 7 of gzip member 2 (gzip defines only 8, deflate)" },
        { "a cut second member", b => [.. b, 0x1F, 0x8B, 8], "the input ends inside the header of gzip member 2: the file is truncated" },
        { "CRC-32 changed", b => Flip(b, b.Length - 8), $"the data does not match the CRC-32 in its trailer (computed {Crc32.HashToUInt32(Json):x8}): the file is damaged" },
        { "length changed", b => Flip(b, b.Length - 2), $"the data does not match the length in its trailer ({Json.Length} bytes): the file is damaged" },
        { "reserved flags", b => Set(b, 3, 0x20), "the header sets reserved flag bits (20); it is not gzip as RFC 1952 defines it" },
        { "another method", b => Set(b, 2, 9), "unsupported compression method 9 (gzip defines only 8, deflate)" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_gzip_is_an_error_that_says_how(string what, Func<byte[], byte[]> damage, string problem)
    {
        foreach (int chunk in new[] { int.MaxValue, 1, 77 })
        {
            Assert.True(Fails(damage(Compressed), chunk) == "x.json.gz: $: not a readable gzip file: " + problem, $"{what} (chunks of {chunk}): {Fails(damage(Compressed), chunk)}");
        }
    }

    [Fact]
    public void Damage_inside_the_compressed_data_is_an_error_never_a_quiet_result()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] damaged = Flip(Compressed, random.Next(10, Compressed.Length - 8), 1 << random.Next(8));
            string message = Fails(damaged, 4096);
            Assert.StartsWith("x.json.gz: $: not a readable gzip file: ", message, StringComparison.Ordinal);
        }
    }

    private static string Fails(byte[] file, int chunk) =>
        Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new TrickleStream(file, chunk), "x.json.gz")).Message;

    private static byte[] Flip(byte[] bytes, int at, int bit = 1)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[at] ^= (byte)bit;
        return copy;
    }

    private static byte[] Set(byte[] bytes, int at, byte value)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    private static byte[] Deflate(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(content);
        }

        return compressed.ToArray();
    }

    private static byte[] Trailer(byte[] content)
    {
        byte[] trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.HashToUInt32(content));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), (uint)content.Length);
        return trailer;
    }
}
