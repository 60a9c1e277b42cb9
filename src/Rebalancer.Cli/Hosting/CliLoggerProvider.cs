using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// Logs to standard error, never standard output (which carries the report): on a terminal as short human lines
/// (<c>warning: …</c>), otherwise as JSON lines for a log pipeline (a CronJob's logs), one object per event with its
/// event id and structured fields. Written synchronously: a batch job's log volume is small, and nothing is lost
/// when the process exits right after the run.
/// </summary>
internal sealed class CliLoggerProvider(TextWriter writer, bool json, TimeProvider time) : ILoggerProvider
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new CliLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate)
        {
            writer.Flush();
        }
    }

    private void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, string message)
    {
        string line = json ? JsonLine(category, level, eventId, state, exception, message) : TextLine(level, exception, message);
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string TextLine(LogLevel level, Exception? exception, string message)
    {
        string prefix = level switch
        {
            LogLevel.Trace or LogLevel.Debug => "debug: ",
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => string.Empty,
        };
        return exception is null ? prefix + message : $"{prefix}{message}: {exception.Message}";
    }

    private string JsonLine<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", time.GetUtcNow());
            json.WriteString("level", level.ToString());
            json.WriteString("category", category);
            json.WriteNumber("eventId", eventId.Id);
            if (eventId.Name is not null)
            {
                json.WriteString("eventName", eventId.Name);
            }

            json.WriteString("message", message);
            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields && fields.Count > 1)
            {
                json.WriteStartObject("state");
                foreach ((string key, object? value) in fields)
                {
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    switch (value)
                    {
                        case null:
                            json.WriteNull(key);
                            break;
                        case bool b:
                            json.WriteBoolean(key, b);
                            break;
                        case int or long or double or float or decimal:
                            json.WriteNumber(key, Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                        default:
                            json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private sealed class CliLogger(CliLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // Levels are filtered by the logger factory (configuration "Logging:LogLevel"); this provider takes what passes.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, eventId, state, exception, formatter(state, exception));
            }
        }
    }
}
