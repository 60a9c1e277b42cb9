namespace Rebalancer.Testing.Synthetic;

/// <summary>Kubernetes-looking identifiers drawn from a seeded <see cref="Random"/>.</summary>
internal static class RandomIds
{
    /// <summary>The alphabet of generated name suffixes and pod-template-hash (k8s.io/apimachinery rand.String).</summary>
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    private const string Hex = "0123456789abcdef";

    public static string Suffix(Random rng, int length)
    {
        return string.Create(length, rng, static (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[r.Next(Alphabet.Length)];
            }
        });
    }

    /// <summary>A random (version 4) UUID in its canonical lower-case form.</summary>
    public static string Uid(Random rng)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        Span<char> chars = stackalloc char[36];
        int c = 0;
        for (int i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                chars[c++] = '-';
            }

            chars[c++] = Hex[bytes[i] >> 4];
            chars[c++] = Hex[bytes[i] & 0xF];
        }

        return new string(chars);
    }

    /// <summary>Writes <paramref name="destination"/>.Length random lower-case hex digits.</summary>
    public static void FillHex(Random rng, Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[64];
        int offset = 0;
        while (offset < destination.Length)
        {
            int chars = Math.Min(128, destination.Length - offset);
            Span<byte> chunk = bytes[..((chars + 1) / 2)];
            rng.NextBytes(chunk);
            for (int i = 0; i < chars; i++)
            {
                byte b = chunk[i >> 1];
                destination[offset + i] = Hex[(i & 1) == 0 ? b >> 4 : b & 0xF];
            }

            offset += chars;
        }
    }

    public static string HexString(Random rng, int length)
    {
        Span<char> chars = length <= 256 ? stackalloc char[length] : new char[length];
        FillHex(rng, chars);
        return new string(chars);
    }
}
