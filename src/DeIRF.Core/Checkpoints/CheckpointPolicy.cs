using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>
/// When checkpoints are made automatically, how many witnesses make one trusted, and which public witnesses must have
/// cosigned before a disclosure. checkpoint-policy.json at the workspace root: {"version":1, "every":100,
/// "onClose":true, "require":{"count":1}, "disclosure":{"witnesses":["&lt;vkey&gt;",…], "min":1}}. "require" is a quorum
/// group (the quorum policy's grammar: {count, roles}, {all:[…]}, {any:[…]}), filled by distinct cosigning persons
/// other than the log signer. A governed file (like quorum-policy.json): only a settings.set entry of the roster
/// journal changes it — a met settings.set proposal once the roster is sealed — so whoever can push cannot lower the
/// witnesses a checkpoint needs. Never set: <see cref="Default"/>.
/// </summary>
public sealed class CheckpointPolicy
{
    public const string FileName = "checkpoint-policy.json";

    public int Every { get; init; } = 100;
    public bool OnClose { get; init; } = true;
    public QuorumGroup Require { get; init; } = QuorumGroup.Of(1);

    /// <summary>Public witnesses (C2SP cosignature/v1 vkeys) whose cosignatures count before a disclosure.</summary>
    public IReadOnlyList<NoteVerifierKey> DisclosureWitnesses { get; init; } = [];

    /// <summary>How many distinct <see cref="DisclosureWitnesses"/> must have cosigned the checkpoint a disclosure stands on (0: none).</summary>
    public int MinDisclosureWitnesses { get; init; }

    /// <summary>"default", or the roster entry that set it ("ROSTER#seq").</summary>
    public string Source { get; init; } = "default";

    public string RequireText => Require.ToString();

    public static CheckpointPolicy Default { get; } = new();

    public static string PathIn(Workspace ws) => Path.Combine(ws.Root, FileName);

    /// <summary>
    /// The policy in force: what the roster journal set, checked against checkpoint-policy.json (a file nobody
    /// journaled, or one that differs from what was journaled, is refused: CheckpointPolicyUnjournaled).
    /// </summary>
    public static CheckpointPolicy Load(Workspace ws)
    {
        var governed = Identity.Roster.LoadGoverned(ws, FileName,
            (message, path) => new CheckpointException("CheckpointPolicyUnjournaled", DeirfErrorKind.SecurityError, message, path));
        return governed is { Setting: { } setting } g ? Parse(g.Content).With($"{Identity.Roster.JournalId}#{setting.Seq}") : Default;
    }

    private CheckpointPolicy With(string source) => new()
    {
        Every = Every, OnClose = OnClose, Require = Require, DisclosureWitnesses = DisclosureWitnesses, MinDisclosureWitnesses = MinDisclosureWitnesses, Source = source,
    };

    public static CheckpointPolicy Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("the document is an object {version, every, onClose, require}");
            }
            if (root.EnumerateObject().Select(p => p.Name).Except(["version", "every", "onClose", "require", "disclosure"]).FirstOrDefault() is { } extra)
            {
                throw Invalid($"unknown member '{extra}'");
            }
            if (!root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != 1)
            {
                throw Invalid("'version' must be 1");
            }
            int every = 100;
            if (root.TryGetProperty("every", out var e) && (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out every) || every < 0 || every > 1_000_000))
            {
                throw Invalid("'every' is an integer from 0 (never) to 1000000");
            }
            bool onClose = true;
            if (root.TryGetProperty("onClose", out var c))
            {
                onClose = c.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Invalid("'onClose' is true or false") };
            }
            var require = root.TryGetProperty("require", out var r) ? FromQuorumGrammar(r) : QuorumGroup.Of(1);
            var (witnesses, min) = root.TryGetProperty("disclosure", out var d) ? ReadDisclosure(d) : ([], 0);
            return new CheckpointPolicy { Every = every, OnClose = onClose, Require = require, DisclosureWitnesses = witnesses, MinDisclosureWitnesses = min };
        }
        catch (JsonException ex)
        {
            throw Invalid($"not JSON ({ex.Message})");
        }
    }

    private static (IReadOnlyList<NoteVerifierKey>, int) ReadDisclosure(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Object || d.EnumerateObject().Select(p => p.Name).Except(["witnesses", "min"]).FirstOrDefault() is { } _)
        {
            throw Invalid("'disclosure' is {witnesses: [vkeys], min}");
        }
        if (!d.TryGetProperty("witnesses", out var w) || w.ValueKind != JsonValueKind.Array || w.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String))
        {
            throw Invalid("'disclosure.witnesses' is an array of witness vkeys");
        }
        if (!d.TryGetProperty("min", out var m) || m.ValueKind != JsonValueKind.Number || !m.TryGetInt32(out var min) || min < 0)
        {
            throw Invalid("'disclosure.min' is an integer from 0");
        }
        var keys = new List<NoteVerifierKey>();
        foreach (var k in w.EnumerateArray())
        {
            NoteVerifierKey key;
            try
            {
                key = NoteVerifierKey.Parse(k.GetString()!);
            }
            catch (CheckpointException ex)
            {
                throw Invalid($"a disclosure witness key is refused ({ex.Message})");
            }
            if (key.Type != NoteKeys.CosignatureV1Type)
            {
                throw Invalid($"the disclosure witness '{key.Name}' is not a cosignature/v1 key (type 0x04), as public witnesses publish");
            }
            if (keys.Any(x => x.Name == key.Name))
            {
                throw Invalid($"the disclosure witness '{key.Name}' is named twice");
            }
            keys.Add(key);
        }
        if (min > keys.Count)
        {
            throw Invalid($"'disclosure.min' {min} cannot be met by {keys.Count} witness key(s)");
        }
        return (keys, min);
    }

    private static QuorumGroup FromQuorumGrammar(JsonElement e)
    {
        try
        {
            return QuorumGroup.FromJson(e, "require");
        }
        catch (DeirfException ex) when (ex.ErrorId == "PolicyInvalid")
        {
            throw Invalid(ex.Target as string ?? ex.Message);
        }
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["every"] = Every,
            ["onClose"] = OnClose,
            ["require"] = Require.ToJson(),
            ["version"] = 1,
        };
        if (DisclosureWitnesses.Count > 0 || MinDisclosureWitnesses > 0)
        {
            o["disclosure"] = new JsonObject
            {
                ["min"] = MinDisclosureWitnesses,
                ["witnesses"] = new JsonArray(DisclosureWitnesses.Select(k => (JsonNode)JsonValue.Create(k.ToString())!).ToArray()),
            };
        }
        return o;
    }

    /// <summary>SHA-256 (hex) of the canonical document: the "sha256" parameter of the settings.set proposal that sets it.</summary>
    public string Sha256 => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Canonical.CanonicalJson.Serialize(ToJson()))).ToLowerInvariant();

    /// <summary>
    /// Sets the policy through the roster journal: during founding by any responder, once sealed with a met
    /// settings.set proposal (subject checkpoint-policy.json, sha256 <see cref="Sha256"/>); then writes the file.
    /// </summary>
    public CheckpointPolicy Save(Workspace ws, string actor, Journal.JournalAppendOptions options, string? proposalId = null)
    {
        Parse(ToJson().ToJsonString());   // what is saved must read back
        var setting = Identity.Roster.Load(ws).SetSettings(FileName, ToJson(), proposalId, actor, options);
        return With($"{Identity.Roster.JournalId}#{setting.Seq}");
    }

    /// <summary>
    /// Which of <see cref="DisclosureWitnesses"/> verifiably cosigned <paramref name="checkpoint"/> (cosignature/v1
    /// lines over its body); a failing line of a listed witness counts as none.
    /// </summary>
    public IReadOnlyList<string> DisclosureCosigners(Checkpoint checkpoint)
    {
        var names = new List<string>();
        foreach (var line in checkpoint.Signatures)
        {
            var key = DisclosureWitnesses.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId);
            if (key is not null && key.Check(checkpoint, line, out var role, out _) is null && role == CheckpointRole.Witness && !names.Contains(key.Name))
            {
                names.Add(key.Name);
            }
        }
        return names;
    }

    /// <summary>Is the policy met by these cosigners (handle → the role names they hold in the incident)? Missing says what is lacking.</summary>
    public (bool Met, IReadOnlyList<string> Missing) Judge(IReadOnlyDictionary<string, IReadOnlySet<string>> cosigners)
    {
        var (filled, missing) = Require.Fill(cosigners.Values.ToList());
        return (filled, missing.Select(m => $"{m.Short} more cosigner(s) of {(m.Leaf.Roles.Count == 0 ? "any responder" : string.Join("/", m.Leaf.Roles))}").ToList());
    }

    private static CheckpointException Invalid(string reason)
        => new("CheckpointPolicyInvalid", DeirfErrorKind.InvalidData, $"Checkpoint policy refused: {reason}.", reason);
}
