namespace ClusterLB.Core.Hashing;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime size M, at
/// least 100 entries per destination (up to ~20,000 destinations; beyond, the largest table), filled by letting each destination claim slots in the order
/// of its own permutation of 0..M-1, in turns. A key's destination is one array read, so the pick
/// costs the same for 3 destinations or 3,000 (rendezvous hashing scores every destination), each
/// destination gets an almost equal share, and adding or removing one moves few keys that were on
/// the others. Built from destination hashes alone, so every node builds the same table.
/// </summary>
public sealed class MaglevTable
{
    // Primes near powers of two; the table takes the first one with at least 100 slots per destination.
    private static readonly int[] Sizes = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287, 1048573, 2097143];

    private readonly int[] _slots;

    private MaglevTable(int[] slots, int destinations)
    {
        _slots = slots;
        Destinations = destinations;
    }

    /// <summary>Number of slots (a prime).</summary>
    public int Size => _slots.Length;

    /// <summary>Number of destinations the table spreads keys over.</summary>
    public int Destinations { get; }

    /// <summary>Builds the table for destinations identified by <paramref name="destinationHashes"/> (in a fixed order).</summary>
    public static MaglevTable Build(ReadOnlySpan<ulong> destinationHashes) => Build(destinationHashes, DefaultSlotsPerDestination);

    /// <summary>
    /// As <see cref="Build(ReadOnlySpan{ulong})"/>, with at least <paramref name="slotsPerDestination"/>
    /// slots per destination and <paramref name="minimumSize"/> in all: a larger table moves fewer keys
    /// of the other destinations when one comes or goes, and costs more memory and build time.
    /// </summary>
    public static MaglevTable Build(ReadOnlySpan<ulong> destinationHashes, int slotsPerDestination, int minimumSize = 0)
    {
        var n = destinationHashes.Length;
        if (n == 0)
        {
            return new MaglevTable([], 0);
        }

        var size = SizeFor(n, slotsPerDestination, minimumSize);
        // Destination i's permutation is offset, offset + skip, offset + 2 skip, ... (mod size):
        // walked by addition, as the modular multiply of the textbook form dominates the build.
        var position = new int[n];
        var skips = new int[n];
        for (var i = 0; i < n; i++)
        {
            position[i] = (int)(StableHash.Combine(destinationHashes[i], OffsetSeed) % (ulong)size);
            skips[i] = (int)(StableHash.Combine(destinationHashes[i], SkipSeed) % (ulong)(size - 1)) + 1;
        }

        var slots = new int[size];
        Array.Fill(slots, -1);
        var filled = 0;
        while (true)
        {
            for (var i = 0; i < n; i++)
            {
                // The next slot in destination i's permutation that nobody has claimed yet.
                var slot = position[i];
                while (slots[slot] >= 0)
                {
                    slot += skips[i];
                    if (slot >= size)
                    {
                        slot -= size;
                    }
                }

                slots[slot] = i;
                position[i] = slot + skips[i] >= size ? slot + skips[i] - size : slot + skips[i];
                if (++filled == size)
                {
                    return new MaglevTable(slots, n);
                }
            }
        }
    }

    /// <summary>Index of the destination for a key whose hash is <paramref name="keyHash"/>; -1 for an empty table.</summary>
    public int Lookup(ulong keyHash) => _slots.Length == 0 ? -1 : _slots[(int)(keyHash % (ulong)_slots.Length)];

    /// <summary>The table size used for <paramref name="destinations"/> destinations.</summary>
    public static int SizeFor(int destinations, int slotsPerDestination = DefaultSlotsPerDestination, int minimumSize = 0)
    {
        foreach (var size in Sizes)
        {
            if (size >= minimumSize && size >= (long)slotsPerDestination * destinations)
            {
                return size;
            }
        }

        return Sizes[^1];
    }

    /// <summary>The fewest slots per destination of a table built without saying.</summary>
    public const int DefaultSlotsPerDestination = 100;

    private const ulong OffsetSeed = 0x6d61676c65762d6f; // "maglev-o"
    private const ulong SkipSeed = 0x6d61676c65762d73;   // "maglev-s"
}
