using System.Buffers.Binary;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// The packed layouts of the snapshot's record arrays: fields little-endian in declaration order, booleans and enums as
/// one byte, no padding (a struct's padding bytes are whatever the stack held, so writing structs raw would make equal
/// snapshots give different files). Decoding checks booleans and enums and throws <see cref="InvalidDataException"/>
/// naming the field; <see cref="CompactInput.Records{T}"/> turns that into an error at the record's path.
/// </summary>
internal static class CompactRecords
{
    public const int TaintSize = 9;
    public const int OwnerSize = 13;
    public const int ContainerStatusSize = 27;

    /// <summary>Format version 1's container status: without <see cref="ContainerStatus.LastTerminatedReason"/>.</summary>
    public const int ContainerStatusSizeV1 = 23;
    public const int ConditionSize = 20;
    public const int AmountSize = 12;

    public static void Write(in Taint taint, Span<byte> to)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, taint.Key);
        BinaryPrimitives.WriteInt32LittleEndian(to[4..], taint.Value);
        to[8] = (byte)taint.Effect;
    }

    public static Taint ReadTaint(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(from), BinaryPrimitives.ReadInt32LittleEndian(from[4..]), Effect(from[8]));

    public static void Write(in OwnerRef owner, Span<byte> to)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, owner.Kind);
        BinaryPrimitives.WriteInt32LittleEndian(to[4..], owner.Name);
        BinaryPrimitives.WriteInt32LittleEndian(to[8..], owner.Uid);
        to[12] = owner.Controller ? (byte)1 : (byte)0;
    }

    public static OwnerRef ReadOwner(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(from), BinaryPrimitives.ReadInt32LittleEndian(from[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(from[8..]), Bool(from[12], "controller"));

    public static void Write(in ContainerStatus status, Span<byte> to)
    {
        WriteV1(status, to);
        BinaryPrimitives.WriteInt32LittleEndian(to[23..], status.LastTerminatedReason);
    }

    public static void WriteV1(in ContainerStatus status, Span<byte> to)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, status.Name);
        to[4] = status.Init ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(to[5..], status.RestartCount);
        BinaryPrimitives.WriteInt32LittleEndian(to[9..], status.WaitingReason);
        BinaryPrimitives.WriteInt32LittleEndian(to[13..], status.TerminatedReason);
        BinaryPrimitives.WriteInt32LittleEndian(to[17..], status.ExitCode);
        to[21] = status.HasExitCode ? (byte)1 : (byte)0;
        to[22] = status.Ready ? (byte)1 : (byte)0;
    }

    public static ContainerStatus ReadContainerStatus(ReadOnlySpan<byte> from) =>
        ReadContainerStatusV1(from) with { LastTerminatedReason = BinaryPrimitives.ReadInt32LittleEndian(from[23..]) };

    public static ContainerStatus ReadContainerStatusV1(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(from), Bool(from[4], "init"), BinaryPrimitives.ReadInt32LittleEndian(from[5..]),
            BinaryPrimitives.ReadInt32LittleEndian(from[9..]), BinaryPrimitives.ReadInt32LittleEndian(from[13..]),
            BinaryPrimitives.ReadInt32LittleEndian(from[17..]), Bool(from[21], "hasExitCode"), Bool(from[22], "ready"));

    public static void Write(in PodCondition condition, Span<byte> to)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, condition.Type);
        BinaryPrimitives.WriteInt32LittleEndian(to[4..], condition.Status);
        BinaryPrimitives.WriteInt32LittleEndian(to[8..], condition.Reason);
        BinaryPrimitives.WriteInt64LittleEndian(to[12..], condition.LastTransitionTime);
    }

    public static PodCondition ReadCondition(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(from), BinaryPrimitives.ReadInt32LittleEndian(from[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(from[8..]), BinaryPrimitives.ReadInt64LittleEndian(from[12..]));

    public static void Write(in ResourceAmount amount, Span<byte> to)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, amount.Resource);
        BinaryPrimitives.WriteInt64LittleEndian(to[4..], amount.Amount);
    }

    public static ResourceAmount ReadAmount(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(from), BinaryPrimitives.ReadInt64LittleEndian(from[4..]));

    private static bool Bool(byte value, string field) =>
        value <= 1 ? value == 1 : throw new InvalidDataException($"{field}: not a boolean (value {value})");

    private static TaintEffect Effect(byte value) =>
        Enum.IsDefined((TaintEffect)value) ? (TaintEffect)value : throw new InvalidDataException($"effect: not a TaintEffect value (value {value})");
}
