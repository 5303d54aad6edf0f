using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// Describes one kind of journal entry: its name, the body members it requires, and how it reads in a table.
/// Each kind lives in a file named after it (IncidentOpened.cs for "incident.opened").
/// </summary>
public interface IEntryKind
{
    string Name { get; }

    /// <summary>Throws <see cref="InvalidStatementException"/> when the body lacks what the kind requires.</summary>
    void Validate(JsonObject body);

    string Summarize(IReadOnlyDictionary<string, object?> body);
}

/// <summary>
/// A kind's body as a typed value that writes itself. <see cref="ToBody"/> produces exactly what the kind's
/// <see cref="EntryKind{TBody}.Read"/> accepts: append a body with <c>StatementDraft.Of(actor, body)</c>, never a
/// hand-built <see cref="JsonObject"/>.
/// </summary>
public interface IEntryBody
{
    /// <summary>The entry kind this body belongs to ("role.granted").</summary>
    string Kind { get; }

    JsonObject ToBody();
}

/// <summary>
/// A kind whose body is a typed record. Validation is reading: <see cref="Validate"/> is <see cref="Read"/> with the
/// result dropped, so what the engine writes and what it accepts from a replica cannot drift apart.
/// </summary>
public abstract class EntryKind<TBody> : IEntryKind where TBody : IEntryBody
{
    public abstract string Name { get; }

    /// <summary>The typed body; throws <see cref="InvalidStatementException"/> when the body lacks what the kind requires.</summary>
    public abstract TBody Read(JsonObject body);

    public void Validate(JsonObject body) => Read(body);

    public abstract string Summarize(IReadOnlyDictionary<string, object?> body);
}

/// <summary>Building typed bodies: an optional member is written only when it has a value, never as null.</summary>
public static class EntryBodyJson
{
    public static JsonObject Optional(this JsonObject body, string member, string? value)
    {
        if (value is not null)
        {
            body[member] = value;
        }
        return body;
    }

    public static JsonObject Optional(this JsonObject body, string member, long? value)
    {
        if (value is { } v)
        {
            body[member] = v;
        }
        return body;
    }

    public static JsonObject Optional(this JsonObject body, string member, JsonNode? value)
    {
        if (value is not null)
        {
            body[member] = value;
        }
        return body;
    }
}

/// <summary>A statement that does not meet its kind's schema (missing title, empty note...).</summary>
public sealed class InvalidStatementException : DeirfException
{
    public InvalidStatementException(string kind, string member, string message, object? target = null)
        : base("InvalidStatement", DeirfErrorKind.InvalidArgument, message, target ?? member)
    {
        EntryKind = kind;
        Member = member;
    }

    public string EntryKind { get; }
    public string Member { get; }
}

/// <summary>
/// The known kinds: the extension catalog's <see cref="Extensions.ExtensionPoints.EntryKind"/> entries (the engine's own
/// are declared in BuiltIn.cs like any extension's). Unknown kinds (from a newer version, or an extension this machine
/// has not imported) still verify and display raw.
/// </summary>
public static class EntryKinds
{
    private static readonly Extensions.ExtensionSet<IEntryKind> Set = new(Extensions.ExtensionPoints.EntryKind, k => k.Name);

    /// <summary>The kind declared under <paramref name="name"/> in the extension catalog (<see cref="Extensions.ExtensionPoints.EntryKind"/>).</summary>
    public static IEntryKind? Find(string name) => Set.Find(name);

    /// <summary>Every kind this machine knows, in catalog order.</summary>
    public static IReadOnlyCollection<string> Names => Set.Keys;

    public static void Validate(string kind, JsonObject body)
    {
        if (Find(kind) is not { } k)
        {
            throw new InvalidStatementException(kind, "kind", $"Unknown entry kind '{kind}'.", kind);
        }
        k.Validate(body);
    }

    /// <summary>One printable line (timeline and journal views, report tables): entry text may come from a synced replica.</summary>
    public static string Summarize(string kind, IReadOnlyDictionary<string, object?> body)
        => Canonical.OutsideText.Line(Find(kind)?.Summarize(body) ?? string.Join(", ", body.Select(kv => $"{kv.Key}={kv.Value}")), 4096);

    /// <summary>A required, non-blank string member of at most <paramref name="maxLength"/> characters.</summary>
    internal static string RequireText(string kind, JsonObject body, string member, int maxLength)
    {
        var value = body[member] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidStatementException(kind, member, $"'{kind}' needs a non-empty '{member}'.");
        }
        if (value.Length > maxLength)
        {
            throw new InvalidStatementException(kind, member, $"'{kind}' member '{member}' is longer than {maxLength} characters.", value);
        }
        return value;
    }

    /// <summary>A "roles" array of known role names (may be empty).</summary>
    internal static void RequireRoles(string kind, JsonObject body)
    {
        if (body["roles"] is not JsonArray roles)
        {
            throw new InvalidStatementException(kind, "roles", $"'{kind}' needs a 'roles' array (may be empty).");
        }
        foreach (var r in roles)
        {
            var name = r is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (name is null || !Enum.TryParse<Identity.ResponderRole>(name, ignoreCase: false, out _))
            {
                throw new InvalidStatementException(kind, "roles", $"'{name}' is not a role ({string.Join(", ", Enum.GetNames<Identity.ResponderRole>())}).", name);
            }
        }
    }

    /// <summary>
    /// An integer member, whether the body was read from the journal (a JSON number) or built in memory (an int or a
    /// long: a JsonValue keeps the type it was made from, and converts to no other).
    /// </summary>
    internal static bool TryInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v)
        {
            return false;
        }
        if (v.TryGetValue<long>(out value))
        {
            return true;
        }
        if (v.TryGetValue<int>(out var i))
        {
            value = i;
            return true;
        }
        return false;
    }

    /// <summary>An optional string member: null when absent, otherwise as <see cref="RequireText"/>.</summary>
    internal static string? OptionalText(string kind, JsonObject body, string member, int maxLength)
        => body[member] is null ? null : RequireText(kind, body, member, maxLength);

    internal static string List(IReadOnlyDictionary<string, object?> body, string member)
        => body.TryGetValue(member, out var v) && v is object?[] items ? string.Join(", ", items) : string.Empty;

    internal static string Text(IReadOnlyDictionary<string, object?> body, string member)
        => body.TryGetValue(member, out var v) ? v?.ToString() ?? string.Empty : string.Empty;
}
