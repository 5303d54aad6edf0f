using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "proposal.approved" — the manual approval gate: a human responder's own signature over the approval payload
/// (domain line "DeIRF-approval-v1", so no quorum signature can stand in for it). Same body as proposal.signed.
/// </summary>
public sealed class ProposalApproved : EntryKind<QuorumSignatureBody>
{
    public const string KindName = "proposal.approved";

    public override string Name => KindName;

    public override QuorumSignatureBody Read(JsonObject body) => QuorumSignatureBody.Read(Name, body);

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var id = EntryKinds.Text(body, "proposal");
        return $"{EntryKinds.Text(body, "responder")} approved proposal {id[..Math.Min(12, id.Length)]} ({EntryKinds.Text(body, "kind")})";
    }
}
