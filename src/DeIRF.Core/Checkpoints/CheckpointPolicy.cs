using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Quorum;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>
/// When checkpoints are made automatically and how many witnesses make one trusted. checkpoint-policy.json at the
/// workspace root: {"version":1, "every":100, "onClose":true, "require":{"count":1}}. "require" is a quorum group
/// (the quorum policy's grammar: {count, roles}, {all:[…]}, {any:[…]}), filled by distinct cosigning persons other
/// than the log signer. Absent: <see cref="Default"/>.
/// </summary>
public sealed class CheckpointPolicy
{
    public const string FileName = "checkpoint-policy.json";

    public int Every { get; init; } = 100;
    public bool OnClose { get; init; } = true;
    public QuorumGroup Require { get; init; } = QuorumGroup.Of(1);

    public string RequireText => Require.ToString();

    public static CheckpointPolicy Default { get; } = new();

    public static string PathIn(Workspace ws) => Path.Combine(ws.Root, FileName);

    public static CheckpointPolicy Load(Workspace ws)
    {
        var path = PathIn(ws);
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : Default;
    }

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
            if (root.EnumerateObject().Select(p => p.Name).Except(["version", "every", "onClose", "require"]).FirstOrDefault() is { } extra)
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
            return new CheckpointPolicy { Every = every, OnClose = onClose, Require = require };
        }
        catch (JsonException ex)
        {
            throw Invalid($"not JSON ({ex.Message})");
        }
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

    public JsonObject ToJson() => new()
    {
        ["every"] = Every,
        ["onClose"] = OnClose,
        ["require"] = Require.ToJson(),
        ["version"] = 1,
    };

    public void Save(Workspace ws)
    {
        var path = PathIn(ws);
        AtomicFile.WriteText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
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
