using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ClusterLB.Cluster.Affinity;

namespace ClusterLB.Cluster.Serialization;

/// <summary>
/// Binary form of an <see cref="OverrideShard"/>: a shard can hold hundreds of records and is gossiped
/// and digested often, so it is written compactly (cluster and destination ids once each, then
/// 8-byte hashes and expiries) and deterministically (records in key order). Format 2 adds one flag
/// byte per record (returned sessions); a shard without returned records is still written in
/// format 1, which nodes of earlier versions read, and both formats are read.
/// </summary>
public sealed class OverrideShardSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private const byte FormatVersion = 2;
    private const byte FirstFormat = 1;
    private const byte ReturnedFlag = 1;

    /// <inheritdoc />
    public override int Identifier => 7412;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <summary>Writes <paramref name="shard"/>.</summary>
    public static byte[] Write(OverrideShard shard)
    {
        var records = shard.Records;
        var strings = new List<string>();
        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        // A shard's records share a few cluster and destination ids: remember the last of each by
        // reference, so most records cost no dictionary lookup.
        string? lastCluster = null, lastDestination = null;
        int lastClusterIndex = 0, lastDestinationIndex = 0;
        var clusterIndexes = new int[records.Length];
        var destinationIndexes = new int[records.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            if (!ReferenceEquals(record.ClusterId, lastCluster))
            {
                lastCluster = record.ClusterId;
                lastClusterIndex = IndexOf(record.ClusterId, strings, indexes);
            }

            clusterIndexes[i] = lastClusterIndex;
            if (record.DestinationId is null)
            {
                destinationIndexes[i] = 0;
                continue;
            }

            if (!ReferenceEquals(record.DestinationId, lastDestination))
            {
                lastDestination = record.DestinationId;
                lastDestinationIndex = IndexOf(record.DestinationId, strings, indexes) + 1;
            }

            destinationIndexes[i] = lastDestinationIndex;
        }

        // The format follows from the content, so equal shards are still equal bytes.
        var flags = false;
        foreach (var record in records)
        {
            flags |= record.Returned;
        }

        var size = 1 + 5 + 5 + strings.Sum(text => 5 + Encoding.UTF8.GetByteCount(text)) + 5 + records.Length * (5 + 8 + 5 + 8 + 1);
        var buffer = new byte[size];
        var at = 0;
        buffer[at++] = flags ? FormatVersion : FirstFormat;
        at += WriteVarint(buffer.AsSpan(at), shard.Cap);
        at += WriteVarint(buffer.AsSpan(at), strings.Count);
        foreach (var text in strings)
        {
            var length = Encoding.UTF8.GetBytes(text, buffer.AsSpan(at + 5));
            var prefix = WriteVarint(buffer.AsSpan(at), length);
            if (prefix < 5)
            {
                buffer.AsSpan(at + 5, length).CopyTo(buffer.AsSpan(at + prefix));
            }

            at += prefix + length;
        }

        at += WriteVarint(buffer.AsSpan(at), records.Length);
        for (var i = 0; i < records.Length; i++)
        {
            at += WriteVarint(buffer.AsSpan(at), clusterIndexes[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(at), records[i].KeyHash);
            at += 8;
            at += WriteVarint(buffer.AsSpan(at), destinationIndexes[i]);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(at), records[i].ExpiresAtMs);
            at += 8;
            if (flags)
            {
                buffer[at++] = records[i].Returned ? ReturnedFlag : (byte)0;
            }
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    private static int IndexOf(string text, List<string> strings, Dictionary<string, int> indexes)
    {
        if (!indexes.TryGetValue(text, out var index))
        {
            indexes[text] = index = strings.Count;
            strings.Add(text);
        }

        return index;
    }

    // The 7-bit encoding BinaryReader.Read7BitEncodedInt reads.
    private static int WriteVarint(Span<byte> into, int value)
    {
        var unsigned = (uint)value;
        var written = 0;
        while (unsigned >= 0x80)
        {
            into[written++] = (byte)(unsigned | 0x80);
            unsigned >>= 7;
        }

        into[written++] = (byte)unsigned;
        return written;
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static OverrideShard Read(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var version = reader.ReadByte();
        if (version is not (FirstFormat or FormatVersion))
        {
            throw new SerializationException($"Override shard format {version} is not known to this node (it reads {FirstFormat} and {FormatVersion}).");
        }

        var cap = reader.Read7BitEncodedInt();
        var strings = new string[reader.Read7BitEncodedInt()];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = reader.ReadString();
        }

        var records = new OverrideRecord[reader.Read7BitEncodedInt()];
        for (var i = 0; i < records.Length; i++)
        {
            var clusterId = strings[reader.Read7BitEncodedInt()];
            var keyHash = reader.ReadUInt64();
            var destination = reader.Read7BitEncodedInt();
            var expiresAtMs = reader.ReadInt64();
            var returned = version == FormatVersion && (reader.ReadByte() & ReturnedFlag) != 0;
            records[i] = new OverrideRecord(clusterId, keyHash, destination == 0 ? null : strings[destination - 1], expiresAtMs, returned);
        }

        return OverrideShard.FromRecords(records, cap);
    }

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj is OverrideShard shard
        ? Write(shard)
        : throw new SerializationException($"OverrideShardSerializer cannot write {obj.GetType().FullName}.");

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type? type) => Read(bytes);
}
