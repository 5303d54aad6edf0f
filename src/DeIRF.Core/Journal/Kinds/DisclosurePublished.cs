using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "disclosure.published" — the Comms Lead published a disclosure text; the journal keeps its digest (not the text) and
/// the journal head it was published against, and, when it was anchored on chain, the transaction that carries both.
/// body: { digest: "sha256:" + 64 hex (of the file's bytes), file: file name (≤ 255), size: bytes,
///         head_seq: seq of the journal head at publication, head_hash: 64 hex (that entry's hash),
///         checkpoint_root?: 64 hex (the latest checkpoint's root, when checkpoints exist; the witnessed one's with "witnessed"),
///         witnessed?: { size: the checkpoint size the checkpoint policy's public witnesses cosigned, witnesses: [their names] },
///         chain?: { target: CAIP-10 (eip155:&lt;chain&gt;:&lt;address&gt;), transaction: 0x + 64 hex, block: integer ≥ 0,
///                   from: the sending address, encoding: "deirf-disclosure-v1" } }
/// </summary>
public sealed partial class DisclosurePublished : IEntryKind
{
    public const string KindName = "disclosure.published";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        Match(body, "digest", DigestPattern(), "'sha256:' and 64 lowercase hex digits", 71);
        var file = EntryKinds.RequireText(Name, body, "file", 255);
        if (file.IndexOfAny(['/', '\\']) >= 0)
        {
            throw new InvalidStatementException(Name, "file", $"'{Name}' member 'file' is a file name, not a path.", file);
        }
        RequireInteger(body, "size");
        RequireInteger(body, "head_seq");
        Match(body, "head_hash", HashPattern(), "64 lowercase hex digits", 64);
        if (body["checkpoint_root"] is not null)
        {
            Match(body, "checkpoint_root", HashPattern(), "64 lowercase hex digits", 64);
        }
        if (body["witnessed"] is { } w)
        {
            if (w is not JsonObject witnessed || witnessed["witnesses"] is not JsonArray names || names.Count == 0
                || names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out var t) || t.Length is 0 or > 255))
            {
                throw new InvalidStatementException(Name, "witnessed", $"'{Name}' member 'witnessed' is {{size, witnesses: [names]}}.");
            }
            RequireInteger(witnessed, "size");
        }
        if (body["chain"] is null)
        {
            return;
        }
        if (body["chain"] is not JsonObject chain)
        {
            throw new InvalidStatementException(Name, "chain", $"'{Name}' member 'chain' must be an object.");
        }
        Match(chain, "target", TargetPattern(), "a CAIP-10 id eip155:<chain>:<address>", 128);
        Match(chain, "transaction", TransactionPattern(), "0x and 64 hex digits", 66);
        Match(chain, "from", AddressPattern(), "an address (0x and 40 hex digits)", 42);
        RequireInteger(chain, "block");
        var encoding = EntryKinds.RequireText(Name, chain, "encoding", 64);
        if (encoding != Disclosure.DisclosureMessage.Version)
        {
            throw new InvalidStatementException(Name, "chain", $"'{Name}' chain encoding must be '{Disclosure.DisclosureMessage.Version}'.", encoding);
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var digest = EntryKinds.Text(body, "digest");
        var text = $"Disclosure {EntryKinds.Text(body, "file")} published ({(digest.Length > 19 ? digest[..19] + "…" : digest)}, journal head #{EntryKinds.Text(body, "head_seq")})";
        if (body.TryGetValue("chain", out var c) && c is IReadOnlyDictionary<string, object?> chain)
        {
            text += $", on chain {EntryKinds.Text(chain, "target")} in tx {EntryKinds.Text(chain, "transaction")} (block {EntryKinds.Text(chain, "block")})";
        }
        return text;
    }

    private void Match(JsonObject body, string member, Regex pattern, string what, int max)
    {
        var v = EntryKinds.RequireText(Name, body, member, max);
        if (!pattern.IsMatch(v))
        {
            throw new InvalidStatementException(Name, member, $"'{Name}' member '{member}' must be {what}.", v);
        }
    }

    private void RequireInteger(JsonObject body, string member)
    {
        if (body[member] is not JsonValue v || !v.TryGetValue<long>(out var n) || n < 0)
        {
            throw new InvalidStatementException(Name, member, $"'{Name}' needs '{member}' (an integer ≥ 0).");
        }
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{64}$")]
    private static partial Regex TransactionPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressPattern();

    [GeneratedRegex("^eip155:[1-9][0-9]{0,31}:0x[0-9a-fA-F]{40}$")]
    private static partial Regex TargetPattern();
}
