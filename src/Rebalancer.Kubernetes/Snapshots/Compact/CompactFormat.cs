namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>The fixed bytes of the compact snapshot format (docs/design/0005-compact-snapshot.md).</summary>
internal static class CompactFormat
{
    /// <summary>Bumped whenever the layout changes; the version this build writes.</summary>
    public const int Version = 2;

    /// <summary>
    /// The oldest version this build still reads. Version 1 files (written before the inventory and the last terminated
    /// reason) load with what they hold: no inventory beyond their claims' storage classes, no namespace annotations.
    /// </summary>
    public const int OldestReadable = 1;

    /// <summary>
    /// End marker then the CRC-64 of every byte before the trailer, little-endian: CRC-64/ECMA-182 as
    /// <see cref="System.IO.Hashing.Crc64"/> computes it (initial value 0, not reflected; not XZ's CRC-64/XZ).
    /// </summary>
    public const int TrailerLength = 16;

    /// <summary>Not valid UTF-8 at byte 0 (so never mistaken for JSON or YAML), then the name and a newline as PNG does.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'R', (byte)'B', (byte)'S', (byte)'N', (byte)'A', (byte)'P', 0x0A];

    public static ReadOnlySpan<byte> EndMarker => [0x89, (byte)'R', (byte)'B', (byte)'S', (byte)'E', (byte)'N', (byte)'D', 0x0A];

    /// <summary>Header length: magic then the version as a little-endian int32.</summary>
    public static int HeaderLength => Magic.Length + sizeof(int);

    // Columns are written as their in-memory bytes, which is the format's little-endian layout only on such machines.
    public static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Compact snapshots are read and written on little-endian machines only.");
        }
    }
}
