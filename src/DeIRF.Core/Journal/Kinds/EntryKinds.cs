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

/// <summary>The registry of known kinds. Unknown kinds (from a newer version) still verify and display raw.</summary>
public static class EntryKinds
{
    private static readonly Dictionary<string, IEntryKind> Known = new(StringComparer.Ordinal);

    static EntryKinds()
    {
        Register(new IncidentOpened());
        Register(new Note());
        Register(new SeveritySet());
        Register(new IncidentClosed());
        Register(new RosterOpened());
        Register(new ResponderAdded());
        Register(new ResponderUpdated());
        Register(new ProofAdded());
        Register(new ProofConfirmed());
        Register(new ProofRevoked());
        Register(new RosterSealed());
        Register(new SettingsSet());
        Register(new EvidenceAdded());
        Register(new RoleGranted());
        Register(new RoleRevoked());
        Register(new DeadlineSet());
        Register(new IntegrationCall());
        Register(new ContainmentApplied());
        Register(new ContainmentUndone());
        Register(new ContainmentFailed());
        Register(new ProposalCreated());
        Register(new ProposalSigned());
        Register(new ProposalApproved());
        Register(new ProposalConsumed());
        Register(new QuorumPolicySet());
        Register(new DisclosurePublished());
        Register(new RewardRecorded());
        Register(new RetroWritten());
    }

    public static void Register(IEntryKind kind) => Known[kind.Name] = kind;

    public static IEntryKind? Find(string name) => Known.TryGetValue(name, out var k) ? k : null;

    public static IReadOnlyCollection<string> Names => Known.Keys;

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

    internal static string List(IReadOnlyDictionary<string, object?> body, string member)
        => body.TryGetValue(member, out var v) && v is object?[] items ? string.Join(", ", items) : string.Empty;

    internal static string Text(IReadOnlyDictionary<string, object?> body, string member)
        => body.TryGetValue(member, out var v) ? v?.ToString() ?? string.Empty : string.Empty;
}
