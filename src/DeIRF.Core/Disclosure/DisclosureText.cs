using DeIRF.Checkpoints;
using DeIRF.Incidents;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Templates;
using DeIRF.Workspaces;

namespace DeIRF.Disclosure;

/// <summary>One entry chosen for disclosure and the public inclusion proof file written for it.</summary>
public sealed record DisclosedEntry(long Seq, string Hash, string ProofPath, InclusionProof Proof)
{
    /// <summary>The public copy of the checkpoint the proof is against (pseudonymous signatures, their verifier keys).</summary>
    public PublicCheckpoint? Published { get; init; }
}

/// <summary>
/// The public disclosure text rendered from templates/disclosure.md, and RFC 6962 inclusion proofs for the entries chosen
/// for disclosure, made against the incident's newest checkpoint and written beside the text
/// (&lt;text name&gt;.entry-&lt;seq&gt;.tlog-proof). Only what the template promises goes out: each proof carries the
/// redacted entry (hash and seq, <see cref="InclusionProof.ForPublication"/>) and the checkpoint's public copy
/// (signers as signer-N, <see cref="PublicCheckpoint"/>); entries are described by kind, never by their body.
/// </summary>
public static class DisclosureText
{
    public const string TemplateName = "disclosure.md";

    /// <summary>The proof file for entry <paramref name="seq"/> beside <paramref name="textPath"/>.</summary>
    public static string ProofPathFor(string textPath, long seq)
        => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(textPath))!, $"{Path.GetFileNameWithoutExtension(textPath)}.entry-{seq}.tlog-proof");

    /// <summary>Proofs for <paramref name="seqs"/> against the newest checkpoint (refused when there is none, or it does not cover an entry).</summary>
    public static IReadOnlyList<DisclosedEntry> Prove(Workspace ws, string incidentId, string textPath, IReadOnlyList<long> seqs, CancellationToken cancellationToken = default)
    {
        if (seqs.Count == 0)
        {
            return [];
        }
        var newest = CheckpointLog.List(ws, incidentId).LastOrDefault() is { } p ? Checkpoint.Load(p)
            : throw new DisclosureException("DisclosureCheckpointMissing", DeirfErrorKind.InvalidOperation,
                $"{incidentId} has no checkpoint: inclusion proofs need one. Run New-DeirfCheckpoint -Incident {incidentId} first.", incidentId);
        var published = Publish(ws, newest);
        var result = new List<DisclosedEntry>();
        foreach (var seq in seqs.Distinct().Order())
        {
            if (seq >= newest.Size)
            {
                throw new DisclosureException("DisclosureEntryNotCheckpointed", DeirfErrorKind.InvalidArgument,
                    $"Entry {seq} is newer than the newest checkpoint of {incidentId} (size {newest.Size}): run New-DeirfCheckpoint, then publish.", seq);
            }
            var proof = CheckpointLog.Prove(ws, incidentId, seq, newest, cancellationToken);
            result.Add(new DisclosedEntry(seq, JournalEntryHash(proof), ProofPathFor(textPath, seq), proof.ForPublication(published.Checkpoint)) { Published = published });
        }
        return result;
    }

    /// <summary>Writes each proof file (after the text is rendered: the text names them).</summary>
    public static void SaveProofs(IEnumerable<DisclosedEntry> entries)
    {
        foreach (var e in entries)
        {
            e.Proof.Save(e.ProofPath);
        }
    }

    /// <summary>The public copy of a checkpoint of this workspace: its signers renamed against the roster's keys.</summary>
    public static PublicCheckpoint Publish(Workspace ws, Checkpoint checkpoint)
        => PublicCheckpoint.From(checkpoint, NoteVerifierKey.FromRoster(Identity.Roster.Load(ws)));

    /// <summary>
    /// What a disclosed entry is called in public: its kind in words (the severity for severity.set), never its body,
    /// which names responders, targets and internal state. The team's own words go in the text (-Message).
    /// </summary>
    public static string PublicSummary(JournalEntry entry)
    {
        if (entry.Kind == SeveritySet.KindName && entry.Body.TryGetValue("severity", out var sev) && sev is string p && p is "P1" or "P2" or "P3" or "P4")
        {
            return $"Severity set to {p}";
        }
        var words = entry.Kind.Replace('.', ' ').Replace('_', ' ');
        return words.Length == 0 ? string.Empty : char.ToUpperInvariant(words[0]) + words[1..];
    }

    private static string JournalEntryHash(InclusionProof proof)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(proof.EntryLine);
        return doc.RootElement.GetProperty("hash").GetString() ?? string.Empty;
    }

    public static string Render(Workspace ws, string incidentId, string templatePath, string? text, IReadOnlyList<DisclosedEntry> disclosed, TimeProvider? clock = null)
    {
        var incident = ws.GetIncident(incidentId);
        var entries = ws.JournalOf(incident.Id).ReadEntries().ToDictionary(e => e.Seq);
        var checkpoint = disclosed.FirstOrDefault()?.Published
            ?? (RetroForm.LatestCheckpoint(ws, incident.Id) is { } latest ? Publish(ws, latest) : null);
        return TemplateRenderer.RenderFile(templatePath, Model(incident, entries, disclosed, checkpoint, text, (clock ?? TimeProvider.System).GetUtcNow()));
    }

    public static IReadOnlyDictionary<string, object?> Model(Incident incident, IReadOnlyDictionary<long, JournalEntry> entries,
        IReadOnlyList<DisclosedEntry> disclosed, PublicCheckpoint? published, string? text, DateTimeOffset now)
        => new Dictionary<string, object?>
        {
            ["incident"] = new Dictionary<string, object?>
            {
                ["id"] = incident.Id,
                ["title"] = incident.Title,
                ["severity"] = incident.Severity.Length > 0 ? incident.Severity : "unrated",
                ["is_drill"] = incident.IsDrill,
                ["opened_utc"] = RetroForm.Utc(incident.Opened),
                ["closed_utc"] = incident.Closed is { } c ? RetroForm.Utc(c) : null,
                ["resolution"] = incident.Resolution.Length > 0 ? incident.Resolution : null,
            },
            ["text"] = string.IsNullOrWhiteSpace(text) ? null : text,
            ["entries"] = disclosed.Select(d => (object?)new Dictionary<string, object?>
            {
                ["seq"] = d.Seq,
                ["time_utc"] = entries.TryGetValue(d.Seq, out var e) ? RetroForm.Utc(e.Timestamp) : string.Empty,
                ["kind"] = e?.Kind ?? string.Empty,
                ["summary"] = e is null ? string.Empty : PublicSummary(e),
                ["hash"] = d.Hash,
                ["proof"] = Path.GetFileName(d.ProofPath),
            }).ToList(),
            ["rewards"] = incident.Rewards.Select(r => (object?)new Dictionary<string, object?> { ["amount"] = r.Amount, ["currency"] = r.Currency }).ToList(),
            ["journal"] = new Dictionary<string, object?> { ["head_seq"] = incident.HeadSeq, ["head_hash"] = incident.HeadHash },
            ["checkpoint"] = published?.Checkpoint is not { } checkpoint ? null : new Dictionary<string, object?>
            {
                ["origin"] = checkpoint.Origin, ["size"] = checkpoint.Size, ["root"] = Convert.ToHexString(checkpoint.RootHash).ToLowerInvariant(),
                ["root_base64"] = checkpoint.Root, ["text"] = checkpoint.Text.TrimEnd('\n'),
                ["keys"] = published.Keys.Select(k => (object?)k.ToString()).ToList(),
            },
            ["generated_utc"] = RetroForm.Utc(now),
        };
}
