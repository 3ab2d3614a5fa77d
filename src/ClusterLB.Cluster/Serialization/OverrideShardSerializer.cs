using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using ClusterLB.Cluster.Affinity;

namespace ClusterLB.Cluster.Serialization;

/// <summary>
/// Binary form of an <see cref="OverrideShard"/>: a shard can hold hundreds of records and is gossiped
/// and digested often, so it is written compactly (cluster and destination ids once each, then
/// 8-byte hashes and expiries) and deterministically (records in key order).
/// </summary>
public sealed class OverrideShardSerializer(ExtendedActorSystem system) : Serializer(system)
{
    private const byte FormatVersion = 1;

    /// <inheritdoc />
    public override int Identifier => 7412;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <summary>Writes <paramref name="shard"/>.</summary>
    public static byte[] Write(OverrideShard shard)
    {
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in shard.Records)
        {
            strings.TryAdd(record.ClusterId, strings.Count);
            if (record.DestinationId is not null)
            {
                strings.TryAdd(record.DestinationId, strings.Count);
            }
        }

        using var buffer = new MemoryStream(16 + shard.Count * 20);
        using var writer = new BinaryWriter(buffer);
        writer.Write(FormatVersion);
        writer.Write7BitEncodedInt(shard.Cap);
        writer.Write7BitEncodedInt(strings.Count);
        foreach (var text in strings.OrderBy(pair => pair.Value).Select(pair => pair.Key))
        {
            writer.Write(text);
        }

        writer.Write7BitEncodedInt(shard.Count);
        foreach (var record in shard.Records)
        {
            writer.Write7BitEncodedInt(strings[record.ClusterId]);
            writer.Write(record.KeyHash);
            writer.Write7BitEncodedInt(record.DestinationId is null ? 0 : strings[record.DestinationId] + 1);
            writer.Write(record.ExpiresAtMs);
        }

        writer.Flush();
        return buffer.ToArray();
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static OverrideShard Read(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new SerializationException($"Override shard format {version} is not known to this node (it reads {FormatVersion}).");
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
            records[i] = new OverrideRecord(clusterId, keyHash, destination == 0 ? null : strings[destination - 1], reader.ReadInt64());
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
