using Rebalancer.Cli.Commands;
using Rebalancer.Core.Policy;

namespace Rebalancer.Cli.Hosting;

/// <summary>
/// The policy file, loaded once at start by the settings validator (so its problems are reported together with the
/// options' problems) and then handed to the command.
/// </summary>
internal sealed class PolicyStore(CliConsole console)
{
    private LoadedPolicy? _policy;
    private string? _problem;
    private bool _loaded;

    /// <summary>Loads the policy; null when it is valid, else the problem (the file, each field path and bad value).</summary>
    /// <param name="origin">Where the path came from (<c>--policy</c> or <c>REBALANCER_POLICY</c>), for a missing file.</param>
    public string? Load(string? path, string origin)
    {
        if (_loaded)
        {
            return _problem;
        }

        _loaded = true;
        if (path is not null && InputFile.Check(path, origin) is string missing)
        {
            _problem = missing;
            return _problem;
        }

        try
        {
            _policy = LoadedPolicy.Load(path, console);
        }
        catch (ConfigException e)
        {
            _problem = e.Message;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            _problem = InputFile.Describe(e, path!, origin);
        }

        return _problem;
    }

    public LoadedPolicy Policy => _policy ?? throw new InvalidOperationException("The policy is loaded and validated at start; it was not.");

    /// <summary>The policy when it loaded without problems; null before <see cref="Load"/> or after a failed one.</summary>
    public LoadedPolicy? Loaded => _policy;
}
