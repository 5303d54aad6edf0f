using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using DeIRF.Workspaces;

namespace DeIRF.Core.Tests.Reports;

/// <summary>
/// A long incident journal for the report's size bound (xUnit) and the report benchmark (linked into bench/DeIRF.Bench):
/// an opening, severity, two deadlines, a Triage Lead, then mostly notes with a quorum, a verified containment and
/// (every <c>keyEvery</c> entries) a role grant in between, and a closing entry last. Entries are batched, not durable.
/// </summary>
internal static class LongIncident
{
    public const string ProposalId = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    /// <summary>Opens a drill in <paramref name="ws"/> at <paramref name="opened"/> and appends until the journal holds <paramref name="entries"/> entries, <paramref name="spacing"/> apart.</summary>
    public static string Create(Workspace ws, int entries, DateTimeOffset opened, TimeSpan spacing, int keyEvery = 0)
    {
        if (entries < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), "a long incident has at least 8 entries");
        }
        var options = new JournalAppendOptions { Clock = new DeIRF.Identity.FixedClock(opened), Durable = false };
        var id = ws.OpenIncident("long-running drill", "alice", ["bench"], drill: true, options).Id;
        var journal = ws.JournalOf(id);
        var batch = new List<StatementDraft>(10_000);
        int seq = 1;
        void Add(string kind, string actor, JsonObject body)
        {
            batch.Add(new StatementDraft(kind, actor, body) { Timestamp = opened + spacing * seq });
            seq++;
            if (batch.Count == batch.Capacity)
            {
                journal.AppendBatch(batch, options);
                batch.Clear();
            }
        }
        Add(SeveritySet.KindName, "bob", new JsonObject { ["impact"] = "High", ["severity"] = "P1", ["urgency"] = "High" });
        Add(DeadlineSet.KindName, "bob", new JsonObject { ["due"] = Timestamps.ToJournal(opened + TimeSpan.FromMinutes(15)), ["name"] = "triage" });
        Add(DeadlineSet.KindName, "bob", new JsonObject { ["due"] = Timestamps.ToJournal(opened + TimeSpan.FromHours(1)), ["name"] = "containment" });
        Add(RoleGranted.KindName, "bob", new JsonObject { ["role"] = "TriageLead", ["responder"] = "bob" });
        int middle = entries / 2, last = entries - 1;
        while (seq < last)
        {
            if (seq == middle)
            {
                foreach (var who in new[] { "carol", "dana" })
                {
                    Add(ProposalSigned.KindName, who, new JsonObject
                    {
                        ["fingerprint"] = "did:key:z6Mk" + who, ["kind"] = "DidKey", ["payload"] = "DeIRF-proposal-v1", ["proposal"] = ProposalId,
                        ["responder"] = who, ["signature"] = "sig-" + who,
                    });
                }
                Add(ContainmentApplied.KindName, "dana", new JsonObject
                {
                    ["action"] = "identity.revoke", ["after"] = new JsonObject(), ["before"] = new JsonObject(), ["proposal"] = ProposalId,
                    ["target"] = "eve/did:key", ["undo"] = new JsonObject(), ["verified"] = true,
                });
            }
            else if (keyEvery > 0 && seq % keyEvery == 0)
            {
                Add(RoleGranted.KindName, "bob", new JsonObject { ["role"] = "Recorder", ["responder"] = $"r{seq}" });
            }
            else
            {
                Add(Note.KindName, "carol", new JsonObject { ["text"] = $"checked host {seq % 997}: still clean (entry {seq})" });
            }
        }
        Add(IncidentClosed.KindName, "bob", new JsonObject { ["resolution"] = "drill done" });
        if (batch.Count > 0)
        {
            journal.AppendBatch(batch, options);
        }
        return id;
    }
}
