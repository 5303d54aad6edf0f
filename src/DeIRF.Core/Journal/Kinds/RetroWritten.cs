using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "retro.written" — the retrospective document was rendered from the journal (seed section 7). The first one meets
/// the "retrospective" deadline (72 h after close) when it is written by then.
/// body: { file: name (≤ 255), digest: "sha256:" + 64 hex of the file as written, size: bytes, head_seq: the journal
/// head it was rendered from }
/// </summary>
public sealed partial class RetroWritten : IEntryKind
{
    public const string KindName = "retro.written";

    public string Name => KindName;

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    public void Validate(JsonObject body)
    {
        EntryKinds.RequireText(Name, body, "file", 255);
        var digest = EntryKinds.RequireText(Name, body, "digest", 71);
        if (!DigestPattern().IsMatch(digest))
        {
            throw new InvalidStatementException(Name, "digest", $"'{Name}' member 'digest' must be 'sha256:' and 64 lowercase hex digits.", digest);
        }
        foreach (var member in new[] { "size", "head_seq" })
        {
            if (body[member] is not JsonValue n || !n.TryGetValue<long>(out var value) || value < 0)
            {
                throw new InvalidStatementException(Name, member, $"'{Name}' needs '{member}' as an integer ≥ 0.");
            }
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Retrospective written: {EntryKinds.Text(body, "file")} ({EntryKinds.Text(body, "digest")[..Math.Min(19, EntryKinds.Text(body, "digest").Length)]}…, from head #{EntryKinds.Text(body, "head_seq")})";
}
