using System.Globalization;

namespace ClusterLB.Core.Routing;

/// <summary>
/// A canary or A/B split of one route's traffic between clusters by percentage, in route metadata:
/// <c>ClusterLB.Split</c> = <c>stable=95,canary=5</c>, and optionally <c>ClusterLB.Split.Key</c> (a
/// <see cref="RequestKeySource"/>) to keep each client on one side. A key's side comes from its hash
/// alone, so every node decides alike; the sides are ranges of 10,000 buckets laid out in the order
/// written, so moving a boundary (95/5 to 90/10) moves only the keys between the old and the new
/// boundary. Without a key (or when a request lacks it) each request is decided at random.
/// </summary>
public sealed class TrafficSplit
{
    /// <summary>Route metadata: the clusters and their percentages.</summary>
    public const string MetadataKey = "ClusterLB.Split";

    /// <summary>Route metadata: where the sticky key comes from.</summary>
    public const string KeyMetadataKey = "ClusterLB.Split.Key";

    /// <summary>Buckets keys fall into: percentages take up to two decimals.</summary>
    public const int Buckets = 10_000;

    private readonly int[] _upperBounds;

    private TrafficSplit(IReadOnlyList<string> clusters, int[] upperBounds, RequestKeySource? key)
    {
        Clusters = clusters;
        _upperBounds = upperBounds;
        Key = key;
    }

    /// <summary>The clusters, in the order written.</summary>
    public IReadOnlyList<string> Clusters { get; }

    /// <summary>Where the sticky key comes from; null when each request is decided alone.</summary>
    public RequestKeySource? Key { get; }

    /// <summary>The split a route's <paramref name="metadata"/> asks for; null when none, or when it is invalid (the validator says why).</summary>
    public static TrafficSplit? Of(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(MetadataKey) is { } text && TryParse(text, metadata.GetValueOrDefault(KeyMetadataKey), out var split, out _)
            ? split
            : null;

    /// <summary>Index in <see cref="Clusters"/> of the side of a key hashing to <paramref name="keyHash"/>.</summary>
    public int Pick(ulong keyHash) => PickBucket((int)(keyHash % Buckets));

    /// <summary>Index in <see cref="Clusters"/> of the side of <paramref name="bucket"/> (0 to <see cref="Buckets"/> - 1).</summary>
    public int PickBucket(int bucket)
    {
        for (var i = 0; i < _upperBounds.Length; i++)
        {
            if (bucket < _upperBounds[i])
            {
                return i;
            }
        }

        return _upperBounds.Length - 1;
    }

    /// <summary>Reads a split; when it cannot be used, <paramref name="error"/> says why and which key.</summary>
    public static bool TryParse(string text, string? keyText, out TrafficSplit? split, out (string Key, string Message)? error)
    {
        split = null;
        error = null;
        var clusters = new List<string>();
        var bounds = new List<int>();
        var total = 0;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            var cluster = equals < 0 ? "" : part[..equals].Trim();
            var percentText = equals < 0 ? "" : part[(equals + 1)..].Trim().TrimEnd('%');
            if (cluster.Length == 0
                || !decimal.TryParse(percentText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent)
                || percent * 100 != decimal.Truncate(percent * 100))
            {
                error = (MetadataKey, $"'{part}' is not <cluster>=<percent> with a percentage of up to two decimals, e.g. 'stable=95,canary=5'");
                return false;
            }

            if (clusters.Contains(cluster, StringComparer.Ordinal))
            {
                error = (MetadataKey, $"cluster '{cluster}' is named twice");
                return false;
            }

            clusters.Add(cluster);
            total += (int)(percent * 100);
            bounds.Add(total);
        }

        if (clusters.Count == 0)
        {
            error = (MetadataKey, "names no cluster; write e.g. 'stable=95,canary=5'");
            return false;
        }

        if (total != Buckets)
        {
            error = (MetadataKey, $"the percentages add up to {total / 100m:0.##}, not 100");
            return false;
        }

        RequestKeySource? key = null;
        if (keyText is not null)
        {
            if (!RequestKeySource.TryParse(keyText, out var source, out var keyError))
            {
                error = (KeyMetadataKey, keyError!);
                return false;
            }

            key = source;
        }

        split = new TrafficSplit(clusters, [.. bounds], key);
        return true;
    }

    /// <summary>Adds an error for a route's split that cannot be used, or that names a cluster <paramref name="table"/> lacks.</summary>
    public static void Validate(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata, RoutingTable table)
    {
        var text = metadata?.GetValueOrDefault(MetadataKey);
        var keyText = metadata?.GetValueOrDefault(KeyMetadataKey);
        if (text is null)
        {
            if (keyText is not null)
            {
                errors.Add(new($"{at}:{KeyMetadataKey}", $"has no effect without {MetadataKey}"));
            }

            return;
        }

        if (!TryParse(text, keyText, out var split, out var error))
        {
            errors.Add(new($"{at}:{error!.Value.Key}", error.Value.Message));
            return;
        }

        foreach (var cluster in split!.Clusters.Where(c => !table.Clusters.ContainsKey(c)))
        {
            errors.Add(new($"{at}:{MetadataKey}", $"cluster '{cluster}' does not exist"));
        }
    }
}
