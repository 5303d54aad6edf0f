using System.Text.Json.Nodes;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "quorum.policy.set" — the workspace's quorum policy changed, by a met and consumed "policy.set" proposal whose
/// "sha256" parameter is the new document's digest. body: { sha256: 64 hex, proposal: id, policy: the document {version, rules} }
/// quorum-policy.json points back at this entry; a file that does not is refused.
/// </summary>
public sealed class QuorumPolicySet : IEntryKind
{
    public const string KindName = "quorum.policy.set";

    public string Name => KindName;

    public void Validate(JsonObject body)
    {
        ProposalSigned.RequireDigest(Name, body, "sha256");
        ProposalSigned.RequireDigest(Name, body, "proposal");
        if (body["policy"] is not JsonObject)
        {
            throw new InvalidStatementException(Name, "policy", $"'{Name}' needs the 'policy' document.");
        }
    }

    public string Summarize(IReadOnlyDictionary<string, object?> body)
        => $"Quorum policy set to {EntryKinds.Text(body, "sha256")[..12]} by proposal {EntryKinds.Text(body, "proposal")[..12]}";
}
