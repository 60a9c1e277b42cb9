using System.Buffers;
using System.Text.Json;

namespace Rebalancer.Benchmarks;

/// <summary>
/// A bare <see cref="Utf8JsonReader"/> pass over a file streamed from disk: the floor any JSON loader stands on. Every
/// top-level document of the file (the List and the metrics documents after it) is read, token by token.
/// </summary>
public static class JsonScan
{
    private const int InitialBuffer = 1 << 20;

    /// <summary>Reads every token and returns how many there were.</summary>
    public static long CountTokens(string path)
    {
        long tokens = 0;
        Scan(path, (ref Utf8JsonReader reader) => tokens++);
        return tokens;
    }

    /// <summary>Counts items of kind Pod in the top-level lists (a property <c>kind: Pod</c> at item level).</summary>
    public static int CountPods(string path)
    {
        int pods = 0;
        bool kindNext = false;
        Scan(path, (ref Utf8JsonReader reader) =>
        {
            if (kindNext && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("Pod"u8))
            {
                pods++;
            }

            kindNext = reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3 && reader.ValueTextEquals("kind"u8);
        });
        return pods;
    }

    public delegate void TokenVisitor(ref Utf8JsonReader reader);

    public static void Scan(string path, TokenVisitor visit)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            var state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true });
            int length = 0;
            bool final = false;
            while (true)
            {
                // Fill the buffer behind the bytes the reader left over.
                while (!final && length < buffer.Length)
                {
                    int read = file.Read(buffer, length, buffer.Length - length);
                    if (read == 0)
                    {
                        final = true;
                    }

                    length += read;
                }

                var reader = new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
                while (reader.Read())
                {
                    visit(ref reader);
                }

                if (final)
                {
                    return;
                }

                int consumed = (int)reader.BytesConsumed;
                state = reader.CurrentState;
                if (consumed == 0)
                {
                    // One token larger than the buffer: grow it.
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    continue;
                }

                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
