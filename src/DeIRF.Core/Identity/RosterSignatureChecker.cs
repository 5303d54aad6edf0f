using System.Globalization;
using System.Text.Json;
using DeIRF.Journal;

namespace DeIRF.Identity;

/// <summary>
/// Checks the signatures on journal entries against the roster as it was at each entry's time: the proof must have
/// been bound before and not revoked yet. Unsigned entries by a responder who had a proof are warnings, or failures
/// when <see cref="RequireSignatures"/> is set.
/// </summary>
public sealed class RosterSignatureChecker : IEntrySignatureChecker
{
    private readonly Roster _roster;
    private readonly bool _rosterJournal;

    /// <param name="roster">The roster state (folded to its head).</param>
    /// <param name="requireSignatures">Unsigned entries by responders who had a proof are failures, not warnings.</param>
    /// <param name="clock">For time checks inside verifiers.</param>
    /// <param name="rosterJournal">Checking the roster journal itself: proofs are in force by sequence, and every
    /// stored binding is re-verified.</param>
    public RosterSignatureChecker(Roster roster, bool requireSignatures = false, TimeProvider? clock = null, bool rosterJournal = false)
    {
        _roster = roster;
        _rosterJournal = rosterJournal;
        RequireSignatures = requireSignatures;
        Clock = clock ?? TimeProvider.System;
    }

    public bool RequireSignatures { get; }
    public TimeProvider Clock { get; }

    public SignatureFinding? Check(long seq, ReadOnlySpan<byte> statement, ReadOnlySpan<byte> signatures)
    {
        // A roster entry the fold refused (an unapproved change after the seal) fails whatever else holds.
        if (_rosterJournal && _roster.ProblemAt(seq) is { } refused)
        {
            return new SignatureFinding(true, $"{refused.ErrorId}: {refused.Reason}", refused.ErrorId);
        }
        bool unsigned = signatures.Length <= 2; // "[]"
        if (unsigned && !_roster.HasProofs)
        {
            return null;
        }
        using var stmt = JsonDocument.Parse(statement.ToArray());
        if (_rosterJournal && stmt.RootElement.GetProperty("kind").GetString() is "proof.added" or "proof.confirmed")
        {
            // Verifying the roster journal itself: every binding must hold up from the entry alone.
            var body = stmt.RootElement.GetProperty("body");
            string B(string m) => body.TryGetProperty(m, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
            var entryTime = DateTimeOffset.ParseExact(stmt.RootElement.GetProperty("ts").GetString()!, Timestamps.Format, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            if (_roster.CheckStoredBinding(B("handle"), B("fingerprint"), B("binding"), B("signature"), entryTime) is { } problem)
            {
                return new SignatureFinding(true, "proof binding: " + problem);
            }
        }
        var actor = stmt.RootElement.TryGetProperty("actor", out var a) ? a.GetString() ?? string.Empty : string.Empty;
        var ts = DateTimeOffset.ParseExact(stmt.RootElement.GetProperty("ts").GetString()!, Timestamps.Format, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        bool actorSigned = false;
        if (!unsigned)
        {
            using var sigs = JsonDocument.Parse(signatures.ToArray());
            foreach (var s in sigs.RootElement.EnumerateArray())
            {
                string Member(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
                var by = Member("by");
                var fp = Member("fp");
                var responder = _roster.Find(by);
                var proof = responder?.FindProof(fp);
                if (proof is null)
                {
                    return new SignatureFinding(true, $"signed by '{by}' with key {fp}, which is not a proof of theirs in the roster");
                }
                if (proof.Kind.ToString() != Member("kind"))
                {
                    return new SignatureFinding(true, $"signature by '{by}' claims kind {Member("kind")}, the proof is {proof.Kind}");
                }
                if (!(_rosterJournal ? proof.ActiveAtRosterSeq(seq) : proof.ActiveAt(ts)))
                {
                    return new SignatureFinding(true, proof.RevokedAt is { } r && ts >= r
                        ? $"signed by '{by}' with {proof.Kind} {fp} at {ts:u}, after that proof was revoked on {r:u} ({proof.RevokedReason})"
                        : $"signed by '{by}' with {proof.Kind} {fp} at {ts:u}, before that proof was bound on {proof.AddedAt:u}");
                }
                var check = Signatures.Verify(proof.Key, statement, Member("sig"), _roster.ContextFor(by, proof, Clock));
                if (!check.IsValid)
                {
                    return new SignatureFinding(true, $"signature by '{by}' ({proof.Kind} {fp}) is invalid: {check.Reason}");
                }
                actorSigned |= by == actor;
            }
        }
        if (actorSigned)
        {
            return null;
        }
        // A proof bound by this very entry (or in the same millisecond) cannot have signed it yet: strictly before.
        bool InForce(RosterProof p) => _rosterJournal ? p.ActiveAtRosterSeq(seq) : p.AddedAt < ts && p.ActiveAt(ts);
        var who = _roster.Find(actor);
        if (who is not null && who.Proofs.Any(InForce))
        {
            return new SignatureFinding(RequireSignatures,
                $"entry by '{actor}' carries no signature of theirs although they had a proof (configure one with Set-DeirfSigningKey)", "EntryUnsigned");
        }
        // Once anyone holds a proof, the bootstrap is over: changes come from responders who can sign them.
        // A responder binding their own key is vouched for by the binding signature itself (audited above).
        bool selfBinding = _rosterJournal && stmt.RootElement.GetProperty("kind").GetString() is "proof.added" or "proof.confirmed"
            && stmt.RootElement.GetProperty("body").TryGetProperty("handle", out var bound) && bound.GetString() == actor;
        if (!selfBinding && who?.Proofs.Any(InForce) != true && _roster.Responders.Any(r => r.Proofs.Any(InForce))
            && (who is null || _rosterJournal))
        {
            return new SignatureFinding(RequireSignatures, who is null
                ? $"entry by '{actor}', who is not a responder in the roster: nobody can vouch for it"
                : $"roster change by '{actor}', who held no proof yet: after the bootstrap, roster changes are made (-Actor) and signed by a responder with a proof",
                "ActorUnknown");
        }
        return null;
    }
}
