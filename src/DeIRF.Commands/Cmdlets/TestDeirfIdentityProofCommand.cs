using System.Management.Automation;
using DeIRF.Identity;

namespace DeIRF.Commands.Cmdlets;

/// <summary>One proof's review status (the seed's section 10: review identity proofs every six months).</summary>
public sealed class ProofReview
{
    public string Responder { get; init; } = string.Empty;
    public string Kind { get; init; } = string.Empty;
    public string Fingerprint { get; init; } = string.Empty;
    public DateTimeOffset Added { get; init; }
    public DateTimeOffset LastConfirmed { get; init; }
    public TimeSpan Age { get; init; }
    public bool NeedsReview { get; init; }
    public bool IsRevoked { get; init; }
    public string Status { get; init; } = string.Empty;
}

/// <summary>Reports proofs not confirmed within the review period (default six months), and revoked ones.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DeirfIdentityProof")]
[OutputType(typeof(ProofReview))]
public sealed class TestDeirfIdentityProofCommand : WorkspaceCmdlet
{
    /// <summary>Handles; default everyone.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Handle")]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string[]? Responder { get; set; }

    /// <summary>How long a proof stays fresh after it was bound or last confirmed. Default 182 days.</summary>
    [Parameter]
    public TimeSpan ReviewPeriod { get; set; } = TimeSpan.FromDays(182);

    /// <summary>Only proofs that need attention.</summary>
    [Parameter]
    public SwitchParameter NeedsReviewOnly { get; set; }

    protected override void ProcessRecord()
    {
        Try(Workspace ?? CurrentDirectory, () =>
        {
            var roster = Roster.Load(ResolveWorkspace());
            var now = DateTimeOffset.UtcNow;
            var people = new List<Responder>();
            foreach (var handle in Responder ?? roster.Responders.Select(r => r.Handle).Order(StringComparer.Ordinal).ToArray())
            {
                Try(handle, () => people.Add(roster.Get(handle)));
            }
            foreach (var r in people)
            {
                foreach (var p in r.Proofs)
                {
                    var age = now - p.LastConfirmedAt;
                    bool stale = !p.IsRevoked && age > ReviewPeriod;
                    if (NeedsReviewOnly && !stale)
                    {
                        continue;
                    }
                    WriteObject(new ProofReview
                    {
                        Responder = r.Handle, Kind = p.Kind.ToString(), Fingerprint = p.Fingerprint, Added = p.AddedAt, LastConfirmed = p.LastConfirmedAt,
                        Age = age, NeedsReview = stale, IsRevoked = p.IsRevoked,
                        Status = p.IsRevoked ? $"revoked {p.RevokedAt:yyyy-MM-dd}: {p.RevokedReason}" : stale ? $"not confirmed for {age.TotalDays:0} days: re-bind it" : "ok",
                    });
                }
            }
        });
    }
}
