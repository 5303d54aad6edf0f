using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace DeIRF.Providers.Dns;

/// <summary>
/// One A, AAAA or CNAME record of the rerouted name, as journaled: type, TTL and data in presentation form
/// (an address, or an absolute name with its trailing dot).
/// </summary>
public sealed record DnsAddressRecord(string Type, int Ttl, string Data)
{
    /// <summary>The record types a reroute reads, replaces and restores, in this order.</summary>
    public static readonly IReadOnlyList<string> Types = new[] { "A", "AAAA", "CNAME" };

    public JsonObject ToJson() => new() { ["type"] = Type, ["ttl"] = Ttl, ["data"] = Data };

    public override string ToString() => $"{Ttl} {Type} {Data}";

    public static DnsAddressRecord? FromWire(DnsRecordBase record) => record switch
    {
        ARecord a => new DnsAddressRecord("A", a.TimeToLive, a.Address.ToString()),
        AaaaRecord aaaa => new DnsAddressRecord("AAAA", aaaa.TimeToLive, aaaa.Address.ToString()),
        CNameRecord c => new DnsAddressRecord("CNAME", c.TimeToLive, c.CanonicalName.ToString()),
        _ => null,
    };

    public DnsRecordBase ToWire(DomainName owner) => Type switch
    {
        "A" => new ARecord(owner, Ttl, IPAddress.Parse(Data)),
        "AAAA" => new AaaaRecord(owner, Ttl, IPAddress.Parse(Data)),
        "CNAME" => new CNameRecord(owner, Ttl, DomainName.Parse(Data)),
        _ => throw new InvalidOperationException($"unsupported record type {Type}"),
    };

    public static RecordType WireType(string type) => type switch
    {
        "A" => RecordType.A,
        "AAAA" => RecordType.Aaaa,
        "CNAME" => RecordType.CName,
        _ => throw new InvalidOperationException($"unsupported record type {type}"),
    };

    /// <summary>Parses a journaled record; null when it is not one of ours (undo state from elsewhere).</summary>
    public static DnsAddressRecord? FromJson(JsonNode? node)
    {
        if (node is not JsonObject o
            || o["type"]?.GetValue<string>() is not { } type
            || o["data"]?.GetValue<string>() is not { } data
            || o["ttl"] is not JsonValue ttlNode
            || !ttlNode.TryGetValue<int>(out var ttl)
            || !Types.Contains(type)
            || ttl < 0)
        {
            return null;
        }
        var ok = type switch
        {
            "A" => IPAddress.TryParse(data, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork,
            "AAAA" => IPAddress.TryParse(data, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6,
            _ => DomainName.TryParse(data, out _),
        };
        return ok ? new DnsAddressRecord(type, ttl, Normalize(type, data)) : null;
    }

    public static string Normalize(string type, string data) => type switch
    {
        "A" or "AAAA" => IPAddress.Parse(data).ToString(),
        _ => data.EndsWith('.') ? data : data + ".",
    };

    /// <summary>Same records, whatever the order; names compare case-insensitively as DNS does.</summary>
    public static bool SameSet(IReadOnlyCollection<DnsAddressRecord> a, IReadOnlyCollection<DnsAddressRecord> b)
        => a.Count == b.Count && Sorted(a).Zip(Sorted(b)).All(p => p.First.Matches(p.Second));

    public bool Matches(DnsAddressRecord other)
        => Type == other.Type && Ttl == other.Ttl && string.Equals(Data, other.Data, StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<DnsAddressRecord> Sorted(IEnumerable<DnsAddressRecord> records)
        => records.OrderBy(r => Types.IndexOf(r.Type)).ThenBy(r => r.Data.ToLowerInvariant(), StringComparer.Ordinal).ToList();

    public static JsonArray ToJson(IEnumerable<DnsAddressRecord> records)
        => new(Sorted(records).Select(r => (JsonNode)r.ToJson()).ToArray());

    public static string Describe(IReadOnlyCollection<DnsAddressRecord> records)
        => records.Count == 0 ? "(no A/AAAA/CNAME records)" : string.Join(", ", Sorted(records).Select(r => r.ToString()));
}

internal static class ListExtensions
{
    public static int IndexOf<T>(this IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return i;
            }
        }
        return -1;
    }
}
