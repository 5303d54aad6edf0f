using System.Diagnostics.CodeAnalysis;
using DeIRF.Extensions;

namespace DeIRF.Identity;

/// <summary>
/// A kind of identity proof a responder can bind (SPEC "Identities"): a name the extension catalog serves
/// (<see cref="ExtensionPoints.ProofKind"/>). The six the engine ships are fields here; others come from extensions
/// and are the same value type. Written to the journal as its name ("OpenPgp").
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ProofKindJsonConverter))]
public readonly struct ProofKind : IEquatable<ProofKind>, IComparable<ProofKind>, IComparable
{
    private readonly string? _name;

    private ProofKind(string name) => _name = name;

    public static readonly ProofKind OpenPgp = new("OpenPgp");
    public static readonly ProofKind Ssh = new("Ssh");
    public static readonly ProofKind Ethereum = new("Ethereum");
    public static readonly ProofKind DidKey = new("DidKey");
    public static readonly ProofKind Fido2 = new("Fido2");
    public static readonly ProofKind Oidc = new("Oidc");

    public string Name => _name ?? string.Empty;

    /// <summary>A kind name as the journal writes it: a letter, then letters and digits, at most 32.</summary>
    public static bool IsWellFormed(string? name)
        => name is { Length: > 0 and <= 32 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit);

    /// <summary>The kind named <paramref name="name"/> (an extension's own, in its descriptor): well-formed or it throws.</summary>
    public static ProofKind Of(string name)
        => IsWellFormed(name) ? new ProofKind(name) : throw new ArgumentException($"'{name}' is not a proof kind name (a letter, then letters and digits, at most 32).", nameof(name));

    /// <summary>
    /// A kind by exact name as read from the journal: any well-formed name, whether or not this machine has its
    /// verifier (a signature of a kind it lacks then fails to verify: fail closed, never misread).
    /// </summary>
    public static bool TryFromName(string? name, out ProofKind kind)
    {
        kind = IsWellFormed(name) ? new ProofKind(name!) : default;
        return kind._name is not null;
    }

    /// <summary>A kind this machine knows (built in or imported), ignoring case: what cmdlets and scripts pass.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ProofKind? kind)
    {
        kind = null;
        foreach (var known in ProofKinds.Available)
        {
            if (string.Equals(known.Name, text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = known;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A kind this machine knows, ignoring case (PowerShell converts strings through this, so <c>$p.Kind -eq 'Ssh'</c>
    /// holds); throws <see cref="InvalidProofException"/> naming the known kinds.
    /// </summary>
    public static ProofKind Parse(string text)
        => TryParse(text, out var kind)
            ? kind.Value
            : throw new InvalidProofException(TryFromName(text, out var named) ? named : default,
                $"'{text}' is not a proof kind this machine knows; known: {string.Join(", ", ProofKinds.Available)} (an extension adds others: Import-DeirfExtension)", text);

    public bool Equals(ProofKind other) => string.Equals(Name, other.Name, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is ProofKind other && Equals(other);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The catalog's order (OpenPgp, Ssh, Ethereum, DidKey, Fido2, Oidc, then extensions), then by name.</summary>
    public int CompareTo(ProofKind other)
    {
        var byOrder = ProofKinds.OrderOf(this).CompareTo(ProofKinds.OrderOf(other));
        return byOrder != 0 ? byOrder : string.CompareOrdinal(Name, other.Name);
    }

    public int CompareTo(object? obj) => obj is ProofKind other ? CompareTo(other) : 1;

    public static bool operator ==(ProofKind left, ProofKind right) => left.Equals(right);
    public static bool operator !=(ProofKind left, ProofKind right) => !left.Equals(right);

    public override string ToString() => Name;
}

/// <summary>Reads and writes a kind as its name (signing-keys.json), like the enum it replaced.</summary>
public sealed class ProofKindJsonConverter : System.Text.Json.Serialization.JsonConverter<ProofKind>
{
    public override ProofKind Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.String && ProofKind.TryFromName(reader.GetString(), out var kind))
        {
            return kind;
        }
        // A number is the position in the six-member enum ProofKind was before issue 20 (OpenPgp = 0 ... Oidc = 5).
        ProofKind[] before = [ProofKind.OpenPgp, ProofKind.Ssh, ProofKind.Ethereum, ProofKind.DidKey, ProofKind.Fido2, ProofKind.Oidc];
        if (reader.TokenType == System.Text.Json.JsonTokenType.Number && reader.TryGetInt32(out var n) && n >= 0 && n < before.Length)
        {
            return before[n];
        }
        throw new System.Text.Json.JsonException("a proof kind is a name such as \"Ssh\"");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ProofKind value, System.Text.Json.JsonSerializerOptions options)
        => writer.WriteStringValue(value.Name);
}

/// <summary>
/// One proof kind as an extension declares it: a verifier (the kind's key and signature formats) plus how DeIRF
/// recognises its signatures and where it sorts. A kind DeIRF can sign with also implements <see cref="IProofSigner"/>;
/// one DeIRF can make key files for implements <see cref="IProofKeyMaker"/>.
/// </summary>
public interface IProofKindDescriptor : IProofVerifier
{
    /// <summary>Sort and recognition order (built-ins 10 to 60); extensions use 100 and up.</summary>
    int Order { get; }

    /// <summary>Whether a signature text has this kind's shape (armor header, hex length, JSON member...); never throws.</summary>
    bool Recognizes(string signature);
}

/// <summary>A proof kind whose private key files DeIRF can make (New-DeirfSigningKey).</summary>
public interface IProofKeyMaker
{
    /// <summary>Writes a new private key at <paramref name="path"/> (mode 0600, the file does not exist yet).</summary>
    void WriteNewKey(string path, string? responder);
}

/// <summary>The proof kinds this machine has: the catalog's <see cref="ExtensionPoints.ProofKind"/> entries.</summary>
public static class ProofKinds
{
    private static readonly ExtensionSet<IProofKindDescriptor> Set = new(ExtensionPoints.ProofKind, d => d.Kind.Name);
    private static Tuple<IReadOnlyList<(string, IProofKindDescriptor)>, IReadOnlyList<IProofKindDescriptor>>? _ordered;

    /// <summary>Every descriptor, in order.</summary>
    public static IReadOnlyList<IProofKindDescriptor> Descriptors
    {
        get
        {
            var items = Set.Items;
            if (Volatile.Read(ref _ordered) is { } o && ReferenceEquals(o.Item1, items))
            {
                return o.Item2;
            }
            IReadOnlyList<IProofKindDescriptor> ordered = items.Select(i => i.Instance).OrderBy(d => d.Order).ThenBy(d => d.Kind.Name, StringComparer.Ordinal).ToArray();
            Volatile.Write(ref _ordered, Tuple.Create(items, ordered));
            return ordered;
        }
    }

    public static IReadOnlyList<ProofKind> Available => Descriptors.Select(d => d.Kind).ToArray();

    /// <summary>Kinds DeIRF can sign with from a key file, in order (Add-DeirfQuorumSignature -KeyPath without -Kind).</summary>
    public static IReadOnlyList<ProofKind> Signing => Descriptors.Where(d => d is IProofSigner).Select(d => d.Kind).ToArray();

    /// <summary>Kinds New-DeirfSigningKey makes.</summary>
    public static IReadOnlyList<ProofKind> KeyMaking => Descriptors.Where(d => d is IProofKeyMaker).Select(d => d.Kind).ToArray();

    public static IProofKindDescriptor? Find(ProofKind kind) => Descriptors.FirstOrDefault(d => d.Kind == kind);

    public static bool IsAvailable(ProofKind kind) => Find(kind) is not null;

    internal static int OrderOf(ProofKind kind) => Find(kind)?.Order ?? int.MaxValue;
}
