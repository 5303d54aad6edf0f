using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Canonical;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>What a sync does with a fetched commit that is unsigned or signed by a key the roster does not vouch for.</summary>
public enum CommitSignaturePolicy
{
    /// <summary>Not checked (sync commits are still signed when a key is configured).</summary>
    Off = 0,

    /// <summary>Checked; a failure is a warning (<see cref="SyncResult.UnverifiedCommits"/>) and the sync goes on.</summary>
    Warn = 1,

    /// <summary>Checked; a failure refuses the sync (SyncCommitUnsigned, SyncCommitSignerUnknown): nothing merged or pushed.</summary>
    Require = 2,
}

/// <summary>
/// The workspace's sync policy: sync-policy.json at the root, a governed file (like quorum-policy.json) that only a
/// settings.set entry of the roster journal changes — a met settings.set proposal once the roster is sealed. A remote
/// commit that edits the file without that entry is refused (SyncSettingsUnjournaled), so whoever can push cannot
/// switch verification off. {"commitSignatures":"require","version":1}. Never set: <see cref="Defaults"/> (warn), so an
/// upgraded workspace whose history predates signing keeps syncing; docs/sync.md, "Signed history".
/// </summary>
public sealed record SyncPolicy
{
    public const string FileName = WorkspaceLayout.SyncPolicyFile;
    public const int FormatVersion = 1;

    public CommitSignaturePolicy CommitSignatures { get; init; } = CommitSignaturePolicy.Warn;

    /// <summary>"default", or the roster entry that set it ("ROSTER#seq").</summary>
    public string Source { get; init; } = "default";

    public static SyncPolicy Defaults { get; } = new();

    public JsonObject ToJson() => new() { ["commitSignatures"] = Name(CommitSignatures), ["version"] = FormatVersion };

    /// <summary>SHA-256 (hex) of the canonical document: the "sha256" parameter of the settings.set proposal that sets it.</summary>
    public string Sha256 => Convert.ToHexString(SHA256.HashData(CanonicalJson.Serialize(ToJson()))).ToLowerInvariant();

    public static string Name(CommitSignaturePolicy p) => p switch
    {
        CommitSignaturePolicy.Require => "require",
        CommitSignaturePolicy.Warn => "warn",
        _ => "off",
    };

    public static CommitSignaturePolicy ParseName(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "require" => CommitSignaturePolicy.Require,
        "warn" => CommitSignaturePolicy.Warn,
        "off" => CommitSignaturePolicy.Off,
        _ => throw new SyncException("SyncPolicyInvalid", DeirfErrorKind.InvalidArgument, $"'{text}' is not a commit signature policy (require, warn, off).", text),
    };

    public static SyncPolicy Parse(string content, string source)
    {
        try
        {
            var o = JsonNode.Parse(content) as JsonObject ?? throw new JsonException("not an object");
            if (o["version"]?.GetValue<int>() != FormatVersion)
            {
                throw new JsonException($"version must be {FormatVersion}");
            }
            return new SyncPolicy { CommitSignatures = ParseName(o["commitSignatures"]?.GetValue<string>()), Source = source };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new SyncException("SyncPolicyInvalid", DeirfErrorKind.InvalidData, $"The sync policy set by {source} is unreadable ({ex.Message}).", source, ex);
        }
    }

    /// <summary>The policy a roster (folded from a verified roster journal) set, the defaults when it never did.</summary>
    public static SyncPolicy Of(Roster roster)
        => roster.Settings.GetValueOrDefault(FileName) is { } s ? Parse(s.Content, $"{Roster.JournalId}#{s.Seq}") : Defaults;

    /// <summary>
    /// The policy in force in a workspace: what its roster journal set, checked against sync-policy.json (a file
    /// nobody journaled is refused: SyncPolicyUnjournaled).
    /// </summary>
    public static SyncPolicy Load(Workspace ws)
    {
        var roster = Roster.Load(ws);
        var governed = Roster.LoadGoverned(ws, roster, FileName, (message, path) => new SyncException("SyncPolicyUnjournaled", DeirfErrorKind.SecurityError, message, path));
        return governed is { Setting: { } setting } g ? Parse(g.Content, $"{Roster.JournalId}#{setting.Seq}") : Defaults;
    }

    /// <summary>
    /// Sets the policy through the roster journal: during founding by any responder, once sealed with a met
    /// settings.set proposal (subject sync-policy.json, sha256 <see cref="Sha256"/>); then writes the file.
    /// </summary>
    public SyncPolicy Save(Workspace ws, string actor, JournalAppendOptions options, string? proposalId = null)
    {
        var setting = Roster.Load(ws).SetSettings(FileName, ToJson(), proposalId, actor, options);
        return this with { Source = $"{Roster.JournalId}#{setting.Seq}" };
    }

    /// <summary>The stricter of two policies (the replica's own and the one a commit's parent carries).</summary>
    public static CommitSignaturePolicy Stricter(CommitSignaturePolicy a, CommitSignaturePolicy b) => (CommitSignaturePolicy)Math.Max((int)a, (int)b);
}
