using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Snapshots.Inventory;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// The inventory kinds (Deployments… ResourceQuotas). They are few per cluster, so instead of growing the hand-written
/// parser they go through KubernetesClient's models: the tape has already tokenized and validated the object, so its
/// bytes are taken as they are (<see cref="TapeReader.RawUntil"/>: in place within a block, copied only when the
/// object crosses one) and handed to <see cref="InventoryReader"/>. Pods and Nodes never come here: the switch in
/// <see cref="ParseObject"/> reaches this only for kinds it does not parse itself.
/// </summary>
internal sealed partial class SnapshotParser
{
    private InventoryReader? _inventory;

    /// <summary>Reads an object of an inventory kind into the builder; false for any other kind (left unread).</summary>
    private bool TryParseInventoryObject(ref TapeReader r, string kind)
    {
        if (!InventoryReader.IsInventoryKind(kind, out _))
        {
            return false;
        }

        TapeReader start = r;
        Skip(ref r);
        ReadOnlySpan<byte> json = start.RawUntil(r);
        _inventory ??= new InventoryReader(_builder);
        try
        {
            _inventory.Read(kind, json);
        }
        catch (InventoryValueException e)
        {
            string at = _path.ToString();
            string path = e.FieldPath.Length == 0 ? at
                : at == "$" ? e.FieldPath
                : e.FieldPath[0] == '[' ? at + e.FieldPath : at + "." + e.FieldPath;
            throw new SnapshotFormatException(_source, path, e.Problem, e.Value, e.InnerException ?? e);
        }

        return true;
    }

    /// <summary>A typed list of an inventory kind (<c>DeploymentList</c>) says the kind was read, even when it has no items.</summary>
    private void NoteListKind(string? itemKind)
    {
        if (itemKind is not null && InventoryReader.IsInventoryKind(itemKind, out InventoryKinds flag))
        {
            _builder.Inventory.MarkRead(flag);
        }
    }
}
