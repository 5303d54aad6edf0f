using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Workspaces;

namespace DeIRF.Quorum;

/// <summary>
/// Who must sign: a leaf "<see cref="Count"/> distinct persons holding one of <see cref="Roles"/> in the incident"
/// (no roles: any eligible responder), or "all of" / "any of" child groups. Persons counted for one child of an
/// "all" are not counted again for another.
/// </summary>
public sealed class QuorumGroup
{
    public int Count { get; init; }
    public IReadOnlyList<ResponderRole> Roles { get; init; } = [];
    public IReadOnlyList<QuorumGroup>? All { get; init; }
    public IReadOnlyList<QuorumGroup>? Any { get; init; }

    public bool IsLeaf => All is null && Any is null;

    public static QuorumGroup Of(int count, params ResponderRole[] roles) => new() { Count = count, Roles = roles };
    public static QuorumGroup AllOf(params QuorumGroup[] groups) => new() { All = groups };
    public static QuorumGroup AnyOf(params QuorumGroup[] groups) => new() { Any = groups };

    /// <summary>Every role mentioned below this group; null when some leaf accepts any role.</summary>
    internal HashSet<ResponderRole>? MentionedRoles()
    {
        if (IsLeaf)
        {
            return Roles.Count == 0 ? null : [.. Roles];
        }
        var set = new HashSet<ResponderRole>();
        foreach (var child in All ?? Any!)
        {
            if (child.MentionedRoles() is not { } r)
            {
                return null;
            }
            set.UnionWith(r);
        }
        return set;
    }

    /// <summary>The alternatives (disjunctive normal form): each is a list of leaves that must all be filled.</summary>
    internal List<List<QuorumGroup>> Alternatives()
    {
        if (IsLeaf)
        {
            return [[this]];
        }
        if (Any is not null)
        {
            return Any.SelectMany(c => c.Alternatives()).ToList();
        }
        var result = new List<List<QuorumGroup>> { new() };
        foreach (var child in All!)
        {
            var next = new List<List<QuorumGroup>>();
            foreach (var prefix in result)
            {
                foreach (var alt in child.Alternatives())
                {
                    next.Add([.. prefix, .. alt]);
                }
            }
            result = next;
        }
        return result;
    }

    /// <summary>
    /// Fills this group with persons, each given by the role names they hold (each person fills one slot): the
    /// alternatives are tried in turn, persons matched to slots by bipartite matching. When no alternative fills,
    /// <c>Missing</c> lists, for the closest one, each leaf and how many persons it still lacks. Used by the quorum
    /// verdict and by the checkpoint trust policy.
    /// </summary>
    internal (bool Filled, List<(QuorumGroup Leaf, int Short)> Missing) Fill(IReadOnlyList<IReadOnlySet<string>> persons)
    {
        List<(QuorumGroup, int)>? bestMissing = null;
        int bestShort = int.MaxValue;
        foreach (var alternative in Alternatives())
        {
            var slots = alternative.SelectMany((leaf, li) => Enumerable.Repeat(li, leaf.Count)).ToArray();
            bool Fits(int person, int slot)
            {
                var leaf = alternative[slots[slot]];
                return leaf.Roles.Count == 0 || leaf.Roles.Any(r => persons[person].Contains(r.ToString()));
            }
            var slotOwner = Enumerable.Repeat(-1, slots.Length).ToArray();
            for (int person = 0; person < persons.Count; person++)
            {
                Augment(person, new bool[slots.Length]);
            }
            bool Augment(int person, bool[] seen)
            {
                for (int s = 0; s < slots.Length; s++)
                {
                    if (!seen[s] && Fits(person, s))
                    {
                        seen[s] = true;
                        if (slotOwner[s] < 0 || Augment(slotOwner[s], seen))
                        {
                            slotOwner[s] = person;
                            return true;
                        }
                    }
                }
                return false;
            }
            var shortBy = slotOwner.Count(o => o < 0);
            if (shortBy == 0)
            {
                return (true, []);
            }
            if (shortBy < bestShort)
            {
                bestShort = shortBy;
                bestMissing = alternative.Select((leaf, li) => (leaf, Enumerable.Range(0, slots.Length).Count(s => slots[s] == li && slotOwner[s] < 0)))
                    .Where(x => x.Item2 > 0).ToList();
            }
        }
        return (false, bestMissing ?? []);
    }

    public string LeafText => $"{Count} of {(Roles.Count == 0 ? "any eligible responder" : string.Join("/", Roles))}";

    public override string ToString() => IsLeaf ? LeafText
        : All is not null ? "(" + string.Join(" AND ", All) + ")" : "(" + string.Join(" OR ", Any!) + ")";

    internal JsonObject ToJson()
    {
        if (IsLeaf)
        {
            return new JsonObject { ["count"] = Count, ["roles"] = new JsonArray(Roles.Select(r => (JsonNode)JsonValue.Create(r.ToString())!).ToArray()) };
        }
        var key = All is not null ? "all" : "any";
        return new JsonObject { [key] = new JsonArray((All ?? Any!).Select(g => (JsonNode)g.ToJson()).ToArray()) };
    }

    internal static QuorumGroup FromJson(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw QuorumPolicy.Invalid($"{where} must be an object");
        }
        var names = e.EnumerateObject().Select(p => p.Name).ToList();
        if (e.TryGetProperty("all", out var all) || e.TryGetProperty("any", out all))
        {
            var isAll = e.TryGetProperty("all", out _);
            if (names.Count != 1 || all.ValueKind != JsonValueKind.Array || all.GetArrayLength() == 0)
            {
                throw QuorumPolicy.Invalid($"{where}: 'all' or 'any' is a non-empty array of groups, alone in its object");
            }
            var children = all.EnumerateArray().Select((c, i) => FromJson(c, $"{where}.{(isAll ? "all" : "any")}[{i}]")).ToArray();
            return isAll ? AllOf(children) : AnyOf(children);
        }
        if (names.Except(["count", "roles"]).FirstOrDefault() is { } extra)
        {
            throw QuorumPolicy.Invalid($"{where}: unknown member '{extra}' (a group is {{count, roles}}, {{all: [...]}} or {{any: [...]}})");
        }
        if (!e.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out var count) || count < 1 || count > 100)
        {
            throw QuorumPolicy.Invalid($"{where}: 'count' must be an integer from 1 to 100");
        }
        var roles = new List<ResponderRole>();
        if (e.TryGetProperty("roles", out var r))
        {
            if (r.ValueKind != JsonValueKind.Array)
            {
                throw QuorumPolicy.Invalid($"{where}: 'roles' must be an array of role names");
            }
            foreach (var item in r.EnumerateArray())
            {
                var name = item.ValueKind == JsonValueKind.String ? item.GetString()! : string.Empty;
                if (!Enum.GetNames<ResponderRole>().Contains(name, StringComparer.Ordinal))
                {
                    throw QuorumPolicy.Invalid($"{where}: '{name}' is not a role ({string.Join(", ", Enum.GetNames<ResponderRole>())})");
                }
                roles.Add(Enum.Parse<ResponderRole>(name));
            }
        }
        return new QuorumGroup { Count = count, Roles = roles.Distinct().ToArray() };
    }
}

/// <summary>The rule for the actions matching <see cref="Action"/> (a glob: '*' any characters, '?' one).</summary>
public sealed class QuorumRule
{
    public string Action { get; init; } = "*";
    public QuorumGroup Require { get; init; } = QuorumGroup.Of(2);
    public int TtlMinutes { get; init; } = 60;
    public bool EvidenceRequired { get; init; }
    public bool SelfApproval { get; init; } = true;
    public bool ManualApproval { get; init; }

    public TimeSpan TimeToLive => TimeSpan.FromMinutes(TtlMinutes);
    public string RequireText => Require.ToString();

    public bool Matches(string action) => Glob(Action).IsMatch(action);

    internal static Regex Glob(string pattern)
        => new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant);

    public override string ToString() => $"{Action}: {Require}, ttl {TtlMinutes} min{(EvidenceRequired ? ", evidence first" : string.Empty)}"
        + $"{(SelfApproval ? string.Empty : ", no self-approval")}{(ManualApproval ? ", manual approval" : string.Empty)}";
}

/// <summary>
/// The workspace's quorum policy: rules in order, first match wins, then the built-in catch-all. Kept in
/// quorum-policy.json at the workspace root; a file that does not point at the journal entry that set it (through
/// a met "policy.set" proposal) is refused. No file: <see cref="Defaults"/>.
/// </summary>
public sealed class QuorumPolicy
{
    public const string FileName = WorkspaceLayout.QuorumPolicyFile;
    public const int FormatVersion = 1;
    public const string PolicySetAction = "policy.set";

    public IReadOnlyList<QuorumRule> Rules { get; init; } = [];

    /// <summary>"default", or the journal entry that set it: "INC-…#seq".</summary>
    public string Source { get; init; } = "default";

    /// <summary>SHA-256 (hex) of the canonical policy document (version and rules): the "sha256" parameter of a policy.set proposal.</summary>
    public string Sha256 => Convert.ToHexString(SHA256.HashData(CanonicalBytes())).ToLowerInvariant();

    /// <summary>The catch-all used when no rule matches: two persons, whatever their roles.</summary>
    public static readonly QuorumRule CatchAll = new() { Action = "*", Require = QuorumGroup.Of(2), TtlMinutes = 60 };

    public static QuorumPolicy Defaults { get; } = new()
    {
        Rules =
        [
            new QuorumRule { Action = "policy.set", Require = QuorumGroup.Of(2), TtlMinutes = 24 * 60, SelfApproval = false, ManualApproval = true },
            new QuorumRule { Action = "identity.revoke", Require = QuorumGroup.Of(2), TtlMinutes = 60 },
            new QuorumRule { Action = "recovery.*", Require = QuorumGroup.Of(2), TtlMinutes = 240, SelfApproval = false, ManualApproval = true },
            .. new[] { "k8s.*", "dns.*", "azure.*", "evm.*", "host.*", "cdn.*" }.Select(a => new QuorumRule
            {
                Action = a, Require = QuorumGroup.Of(2, ResponderRole.ContainmentLead, ResponderRole.TriageLead), TtlMinutes = 60, EvidenceRequired = true,
            }),
            // Undoing a recovery step changes production again (a roll-forward's undo syncs back to the old
            // revision): the leads decide, and like every recovery step it waits for a manual approval.
            new QuorumRule { Action = "undo.recovery.*", Require = QuorumGroup.Of(2, ResponderRole.ContainmentLead, ResponderRole.TriageLead), TtlMinutes = 240, SelfApproval = false, ManualApproval = true },
            // Undoing a containment re-opens what was closed: the same leads decide, no new evidence needed.
            new QuorumRule { Action = "undo.*", Require = QuorumGroup.Of(2, ResponderRole.ContainmentLead, ResponderRole.TriageLead), TtlMinutes = 60 },
            // Once the roster is sealed: who is on the team, whose keys count, and the shared settings.
            new QuorumRule { Action = "roster.*", Require = QuorumGroup.Of(2), TtlMinutes = 24 * 60, SelfApproval = false },
            new QuorumRule { Action = "settings.set", Require = QuorumGroup.Of(2), TtlMinutes = 24 * 60, SelfApproval = false },
            CatchAll,
        ],
    };

    public QuorumRule RuleFor(string action) => Rules.FirstOrDefault(r => r.Matches(action)) ?? CatchAll;

    public byte[] CanonicalBytes() => CanonicalJson.Serialize(ToJson());

    public JsonObject ToJson() => new()
    {
        ["rules"] = new JsonArray(Rules.Select(r => (JsonNode)new JsonObject
        {
            ["action"] = r.Action,
            ["evidenceRequired"] = r.EvidenceRequired,
            ["manualApproval"] = r.ManualApproval,
            ["require"] = r.Require.ToJson(),
            ["selfApproval"] = r.SelfApproval,
            ["ttlMinutes"] = r.TtlMinutes,
        }).ToArray()),
        ["version"] = FormatVersion,
    };

    internal static QuorumException Invalid(string reason)
        => new("PolicyInvalid", DeirfErrorKind.InvalidData, $"Quorum policy refused: {reason}.", reason);

    /// <summary>Parses a policy document ({version, rules}); any other member but "journaled" is refused.</summary>
    public static QuorumPolicy Parse(string json, string source = "file")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw Invalid($"not JSON ({ex.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("the document must be an object {version, rules}");
            }
            if (root.EnumerateObject().Select(p => p.Name).Except(["version", "rules", "journaled"]).FirstOrDefault() is { } extra)
            {
                throw Invalid($"unknown member '{extra}'");
            }
            if (!root.TryGetProperty("version", out var v) || !v.TryGetInt32(out var version) || version != FormatVersion)
            {
                throw Invalid($"'version' must be {FormatVersion}");
            }
            if (!root.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'rules' must be an array");
            }
            var list = new List<QuorumRule>();
            int i = 0;
            foreach (var r in rules.EnumerateArray())
            {
                var where = $"rules[{i++}]";
                if (r.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid($"{where} must be an object");
                }
                if (r.EnumerateObject().Select(p => p.Name).Except(["action", "require", "ttlMinutes", "evidenceRequired", "selfApproval", "manualApproval"]).FirstOrDefault() is { } unknown)
                {
                    throw Invalid($"{where}: unknown member '{unknown}'");
                }
                string action = r.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : throw Invalid($"{where}: 'action' (a glob) is required");
                if (action.Length is 0 or > 128 || action.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                {
                    throw Invalid($"{where}: 'action' must be a glob of 1–128 characters without spaces");
                }
                if (!r.TryGetProperty("require", out var req))
                {
                    throw Invalid($"{where}: 'require' (a group) is required");
                }
                int ttl = 60;
                if (r.TryGetProperty("ttlMinutes", out var t) && (!t.TryGetInt32(out ttl) || ttl < 1 || ttl > 7 * 24 * 60))
                {
                    throw Invalid($"{where}: 'ttlMinutes' must be an integer from 1 to {7 * 24 * 60}");
                }
                bool Flag(string name, bool dflt) => !r.TryGetProperty(name, out var f) ? dflt
                    : f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : throw Invalid($"{where}: '{name}' must be true or false");
                list.Add(new QuorumRule
                {
                    Action = action,
                    Require = QuorumGroup.FromJson(req, $"{where}.require"),
                    TtlMinutes = ttl,
                    EvidenceRequired = Flag("evidenceRequired", false),
                    SelfApproval = Flag("selfApproval", true),
                    ManualApproval = Flag("manualApproval", false),
                });
            }
            return new QuorumPolicy { Rules = list, Source = source };
        }
    }

    public static string PathIn(Workspace ws) => WorkspaceLayout.PathIn(ws.Root, FileName);

    /// <summary>
    /// The policy in force: what the roster journal last set (a settings.set of quorum-policy.json, by a met and
    /// consumed ROSTER policy.set proposal), the <see cref="Defaults"/> when it never did. quorum-policy.json is a
    /// copy for people to read: one that differs from the journaled document (edited by hand, changed by a remote
    /// commit, an older one put back) is refused, PolicyUnjournaled; a deleted one changes nothing.
    /// </summary>
    public static QuorumPolicy Load(Workspace ws) => Load(ws, Roster.Load(ws));

    /// <summary>The same with the roster already folded (a verdict reads both once).</summary>
    public static QuorumPolicy Load(Workspace ws, Roster roster)
    {
        var governed = Roster.LoadGoverned(ws, roster, FileName, (message, path) => new QuorumException("PolicyUnjournaled", DeirfErrorKind.SecurityError, message, path));
        if (governed is not { Setting: { } setting } g)
        {
            return Defaults;
        }
        var parsed = Parse(g.Content, $"{Roster.JournalId}#{setting.Seq}");
        return new QuorumPolicy { Rules = parsed.Rules, Source = $"{Roster.JournalId}#{setting.Seq}" };
    }

    private static QuorumException Unjournaled(string path, string reason)
        => new("PolicyUnjournaled", DeirfErrorKind.SecurityError, $"The quorum policy '{path}' is refused: {reason}.", path);
}
