using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// Validates a command's settings at start (<c>ValidateOnStart</c>): every problem at once, each naming the option or
/// environment variable it came from, so a CronJob's log shows the whole fix in one run. Exit code 2, nothing done.
/// </summary>
internal abstract class SettingsValidator<T>(SettingsValues values, IConfiguration configuration) : IValidateOptions<T>
    where T : CommandSettings
{
    private static readonly string[] Protocols = ["grpc", "http/protobuf"];

    private static readonly string[] Samplers =
        ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"];

    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>(values.Problems);
        Validate(options, problems);
        ValidateTelemetry(problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    protected abstract void Validate(T settings, List<string> problems);

    /// <summary>Where a setting came from: its option (<c>--page-size</c>) or environment variable.</summary>
    protected string Origin(string key) => values.Origins[key];

    /// <summary>True when the setting was given on the command line: not a default, not an ambient environment variable.</summary>
    protected bool IsOnCommandLine(string key) =>
        values.Values.ContainsKey($"{SettingsSources.Section}{ConfigurationPath.KeyDelimiter}{key}") && Origin(key).StartsWith("--", StringComparison.Ordinal);

    // The OTel SDK ignores a malformed OTEL_* value with an internal event nobody reads; a batch job should rather stop.
    private void ValidateTelemetry(List<string> problems)
    {
        foreach (string variable in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" })
        {
            string? value = configuration[variable];
            if (!string.IsNullOrEmpty(value) && !(Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"))
            {
                problems.Add($"{variable}: '{value}' is not an http:// or https:// URL");
            }
        }

        string? protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"];
        if (!string.IsNullOrEmpty(protocol) && !Protocols.Contains(protocol))
        {
            problems.Add($"OTEL_EXPORTER_OTLP_PROTOCOL: '{protocol}' is not one of {string.Join(", ", Protocols)}");
        }

        string? sampler = configuration["OTEL_TRACES_SAMPLER"];
        if (!string.IsNullOrEmpty(sampler) && !Samplers.Contains(sampler))
        {
            problems.Add($"OTEL_TRACES_SAMPLER: '{sampler}' is not one of {string.Join(", ", Samplers)}");
        }

        string? ratio = configuration["OTEL_TRACES_SAMPLER_ARG"];
        if (!string.IsNullOrEmpty(ratio) && sampler is "traceidratio" or "parentbased_traceidratio"
            && !(double.TryParse(ratio, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && r is >= 0 and <= 1))
        {
            problems.Add($"OTEL_TRACES_SAMPLER_ARG: '{ratio}' is not a probability in [0, 1]");
        }
    }
}
