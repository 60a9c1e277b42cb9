using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>One watch event as on the wire: <c>{"type":…,"object":…}</c>.</summary>
internal readonly record struct WatchEvent(string Type, JsonElement Object, StoredObject? Source);

/// <summary>A watcher's filtered event queue. Selector transitions follow the watch cache: an object that stops matching
/// is reported DELETED, one that starts matching ADDED.</summary>
internal sealed class WatchSubscription
{
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    public WatchSubscription(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        Type = type;
        Namespace = string.IsNullOrEmpty(ns) ? null : ns;
        Labels = labels;
        Fields = fields;
    }

    public ResourceType Type { get; }
    public string? Namespace { get; }
    public LabelSelector Labels { get; }
    public FieldSelector Fields { get; }

    public ChannelReader<WatchEvent> Events => _events.Reader;

    private bool Matches(StoredObject? obj) =>
        obj is not null && (Namespace is null || obj.Namespace == Namespace) && Labels.Matches(obj.Labels) && Fields.Matches(Type, obj.Json);

    public void OfferInitial(StoredObject obj)
    {
        if (Matches(obj))
        {
            _events.Writer.TryWrite(new WatchEvent("ADDED", Type.View(obj.Json), obj));
        }
    }

    public void Offer(StoreChange change)
    {
        if (change.Type != Type.Storage)
        {
            return;
        }

        bool now = change.Change != ChangeType.Deleted && Matches(change.Object);
        bool before = change.Change switch
        {
            ChangeType.Added => false,
            ChangeType.Deleted => Matches(change.Old ?? change.Object),
            _ => Matches(change.Old),
        };
        string? type = (before, now) switch
        {
            (false, true) => "ADDED",
            (true, true) => "MODIFIED",
            (true, false) => "DELETED",
            _ => null,
        };
        if (type is not null)
        {
            _events.Writer.TryWrite(new WatchEvent(type, Type.View(change.Object.Json), change.Object));
        }
    }

    /// <summary>The watch cache's answer to a resourceVersion older than the retained history: an ERROR event, 410 Expired.</summary>
    public void Fail(long requested, long oldest)
    {
        var status = Json.Serialize(w => KubeStatus.Expired($"too old resource version: {requested.ToString(CultureInfo.InvariantCulture)} ({oldest.ToString(CultureInfo.InvariantCulture)})").Write(w));
        using var document = JsonDocument.Parse(status);
        _events.Writer.TryWrite(new WatchEvent("ERROR", document.RootElement.Clone(), null));
        _events.Writer.TryComplete();
    }

    public void Complete() => _events.Writer.TryComplete();
}
