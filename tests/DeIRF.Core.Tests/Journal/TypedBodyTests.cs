using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Journal;

/// <summary>
/// Typed entry bodies own both directions: what <see cref="IEntryBody.ToBody"/> writes, the kind's Read accepts and
/// reads back to an equal value, and the kind the body names is the kind that reads it.
/// </summary>
public sealed class TypedBodyTests
{
    public static TheoryData<IEntryBody> Bodies() =>
    [
        new Note.Body("pod web-3 isolated"),
        new IncidentClosed.Body("keys rotated, advisory published"),
        RoleChange.Granted(ResponderRole.ContainmentLead, "dana"),
        RoleChange.Revoked(ResponderRole.CommsLead, "carol"),
        new DeadlineSet.Body("containment", new DateTimeOffset(2026, 12, 7, 9, 30, 0, 125, TimeSpan.Zero)),
        new DeadlineSet.Body("first-comms", new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero), "default for P1 (default)"),
        new RewardRecorded.Body("eve", RewardRecorded.FormatAmount(500.250m), "USDC"),
        new RewardRecorded.Body("eve", "0.25", "ETH", "critical finding, reported privately"),
        QuorumSignatureBody.Signed(Digest, "bob", ProofKind.DidKey, "did:key:z6Mk", "sig==", "DeIRF-proposal-v1\n…"),
        QuorumSignatureBody.Approved(Digest, "dana", ProofKind.Oidc, "https://issuer#dana", "eyJ…", "DeIRF-approval-v1\n…",
            new Dictionary<string, string> { ["nonce"] = "n-1", ["jwk"] = "kid-7" }),
        QuorumSignatureBody.Signed(Digest, "erin", ProofKind.Of("Minisign"), "RWQ…", "untrusted comment", "payload"),
        new ProposalConsumed.Body(Digest, "k8s.pod.quarantine", "shop/web-3", ["bob", "carol"]),
        new ProposalConsumed.Body(Digest, "dns.reroute", "api.example.org", ["bob"], "evidence captured by hand, ticket 42"),
        new ContainmentResultBody(ContainmentApplied.KindName, Digest, "k8s.pod.quarantine", "shop/web-3", true,
            new JsonObject { ["labels"] = new JsonObject() }, new JsonObject { ["labels"] = new JsonObject { ["q"] = "1" } }, new JsonObject { ["version"] = 1 }),
        new ContainmentResultBody(ContainmentApplied.KindName, Digest, "script.run", "web-3", false, new JsonObject(), new JsonObject(), new JsonObject(),
            "read-back differs", new JsonObject { ["script"] = "isolate.ps1", ["sha256"] = new string('a', 64) }),
        new ContainmentResultBody(ContainmentUndone.KindName, Digest, "dns.reroute", "api.example.org", true, new JsonObject(), new JsonObject(), new JsonObject(), Applied: 7),
        ContainmentFailed.Body.Of(Digest, "dns.reroute", "api.example.org", "apply", "DnsUpdateRefused", new string('x', 2500)),
        new RosterOpened.Body("acme-ir"),
        ResponderBody.Added("bob", "Bob B.", [ResponderRole.TriageLead, ResponderRole.CommsLead, ResponderRole.TriageLead]),
        ResponderBody.Updated("bob", "Bob B.", []),
        new ProofAdded.Body("bob", "Fido2", "fp", "ecdsa-p256", "{}", "binding text", "sig", 41),
        new ProofAdded.Body("bob", "Ssh", "SHA256:fp", "ed25519", "ssh-ed25519 AAAA", "binding text", "sig"),
        new ProofConfirmed.Body("bob", "fp", "binding text", "sig", 42),
        new ProofRevoked.Body("bob", "fp", "laptop lost"),
        new ProofRevoked.Body("bob", "fp", "stolen key", "INC-20261207-AB12", Digest),
        new RosterSealed.Body(["alice", "bob"], Digest),
        new SettingsSet.Body("quorum-policy.json", Digest, new JsonObject { ["version"] = 1 }),
        new SettingsSet.Body("evidence-store.json", Digest, new JsonObject { ["kind"] = "local", ["version"] = 1 }, Digest),
        new SeveritySet.Body("High", "Medium", "P2"),
        new SeveritySet.Body("High", "High", "P1", "funds at risk"),
        new ProposalCreated.Body(Digest, "k8s.pod.quarantine", "shop/web-3", new Dictionary<string, string> { ["namespace"] = "shop", ["context"] = "prod" }, "n0nce",
            "2026-12-07T09:00:00.000Z", "2026-12-07T10:00:00.000Z", "bob", "k8s.*"),
        new ProposalCreated.Body(Digest, "dns.reroute", "api", new Dictionary<string, string>(), "n0nce", "2026-12-07T09:00:00.000Z", "2026-12-07T10:00:00.000Z", "bob"),
        IncidentOpened.Body.Of("API keys leaked", "alice", ["prod", " ", "api", "prod"], false, null),
        new IncidentOpened.Body("Drill: pod escape", "bob", [], true, new IncidentOpened.AlertRef("falco", "falco@node-a", "2026-12-07T09:14:03.120Z", Digest[..64])),
        new EvidenceAdded.Body(Digest[..64], 1234, "/var/log/auth.log", "auth.log", "bob"),
        new EvidenceAdded.Body(Digest[..64], 0, "(alert)", "alert.json", "alice", "alert", "s3://bucket/sha256/" + Digest[..64]),
        new CheckpointWitnessed.Body("witness.example/w1", "https://witness.example", 25, true, 2, 200),
        new CheckpointWitnessed.Body("witness.example/w1", "https://witness.example", 25, false, 1, 422, "WitnessInconsistent", "its view differs"),
        new SshCertificateIssued.Body(Digest, "deirf:INC-1:" + Digest, "18446744073709551615", ["deirf-quarantine"], DateTimeOffset.Parse("2026-12-08T04:40:00Z"),
            DateTimeOffset.Parse("2026-12-08T04:45:00Z"), "/usr/local/lib/deirf/deirf-quarantine --forced --proposal " + Digest + " --action apply", "10.0.9.0/24", "SHA256:ca", "SHA256:key"),
    ];

    private const string Digest = "3f2a9c0d1e2b3f2a9c0d1e2b3f2a9c0d1e2b3f2a9c0d1e2b3f2a9c0d1e2b3f2a";

    [Theory]
    [MemberData(nameof(Bodies))]
    public void ToBody_IsWhatTheKindReads_AndReadsBackEqual(IEntryBody body)
    {
        var kind = EntryKinds.Find(body.Kind);
        Assert.NotNull(kind);
        var json = body.ToBody();
        EntryKinds.Validate(body.Kind, json);
        var read = kind switch
        {
            Note n => (IEntryBody)n.Read(json),
            IncidentClosed c => c.Read(json),
            RoleGranted g => g.Read(json),
            RoleRevoked r => r.Read(json),
            DeadlineSet d => d.Read(json),
            RewardRecorded w => w.Read(json),
            ProposalSigned ps => ps.Read(json),
            ProposalApproved pa => pa.Read(json),
            ProposalConsumed pc => pc.Read(json),
            ContainmentApplied ca => ca.Read(json),
            ContainmentUndone cu => cu.Read(json),
            ContainmentFailed cf => cf.Read(json),
            RosterOpened ro => ro.Read(json),
            ResponderAdded ra => ra.Read(json),
            ResponderUpdated ru => ru.Read(json),
            ProofAdded pa2 => pa2.Read(json),
            ProofConfirmed pcf => pcf.Read(json),
            ProofRevoked pr => pr.Read(json),
            RosterSealed rs => rs.Read(json),
            SettingsSet ss => ss.Read(json),
            SeveritySet sv => sv.Read(json),
            ProposalCreated pcr => pcr.Read(json),
            IncidentOpened io => io.Read(json),
            EvidenceAdded ea => ea.Read(json),
            CheckpointWitnessed cw => cw.Read(json),
            SshCertificateIssued sc => sc.Read(json),
            _ => throw new InvalidOperationException(kind!.Name),
        };
        Assert.Equal(body, read);
        Assert.Equal(json.ToJsonString(), read.ToBody().ToJsonString());
    }

    [Fact]
    public void ReadRefusesWhatToBodyWouldNeverWrite_NamingTheMember()
    {
        var roles = new RoleGranted();
        Assert.Equal("role", Assert.Throws<InvalidStatementException>(() => roles.Read(new JsonObject { ["role"] = "Boss", ["responder"] = "bob" })).Member);
        Assert.Equal("responder", Assert.Throws<InvalidStatementException>(() => roles.Read(new JsonObject { ["role"] = "Recorder", ["responder"] = "bob smith" })).Member);
        var deadline = new DeadlineSet();
        Assert.Equal("due", Assert.Throws<InvalidStatementException>(() => deadline.Read(new JsonObject { ["name"] = "triage", ["due"] = "2026-12-07T10:00:00+01:00" })).Member);
        Assert.Equal("name", Assert.Throws<InvalidStatementException>(() => deadline.Read(new DeadlineSet.Body(DeadlineSet.Retrospective, DateTimeOffset.UnixEpoch).ToBody())).Member);
        var reward = new RewardRecorded();
        Assert.Equal("amount", Assert.Throws<InvalidStatementException>(() => reward.Read(new JsonObject { ["reporter"] = "eve", ["amount"] = 500, ["currency"] = "USDC" })).Member);
        Assert.Equal("text", Assert.Throws<InvalidStatementException>(() => new Note().Read(new JsonObject { ["text"] = " " })).Member);
        var signed = QuorumSignatureBody.Signed(Digest, "bob", ProofKind.Ssh, "SHA256:x", "sig", "payload").ToBody();
        signed["kind"] = "not a kind";
        Assert.Equal("kind", Assert.Throws<InvalidStatementException>(() => new ProposalSigned().Read(signed)).Member);
        signed["kind"] = "Ssh";
        signed["details"] = new JsonObject { ["count"] = 3 };
        Assert.Equal("details", Assert.Throws<InvalidStatementException>(() => new ProposalSigned().Read(signed)).Member);
        var consumed = new ProposalConsumed.Body(Digest, "dns.reroute", "api", ["bob"]).ToBody();
        consumed["persons"] = new JsonArray(1, 2);
        Assert.Equal("persons", Assert.Throws<InvalidStatementException>(() => new ProposalConsumed().Read(consumed)).Member);
        var undone = new ContainmentResultBody(ContainmentUndone.KindName, Digest, "dns.reroute", "api", true, new JsonObject(), new JsonObject(), new JsonObject()).ToBody();
        Assert.Equal("applied", Assert.Throws<InvalidStatementException>(() => new ContainmentUndone().Read(undone)).Member);
        Assert.Equal(2000, ContainmentFailed.Body.Of(Digest, "a", "t", "undo", "X", new string('x', 2500)).Error.Length);
        Assert.Equal(["api", "prod"], IncidentOpened.Body.Of("t", "alice", ["prod", " ", "api", "prod"], false, null).Tags);
        Assert.Equal("title", Assert.Throws<InvalidStatementException>(() => new IncidentOpened().Read(IncidentOpened.Body.Of("two\nlines", "alice", null, false, null).ToBody())).Member);
        Assert.Equal("hash", Assert.Throws<InvalidStatementException>(() => new EvidenceAdded().Read(new EvidenceAdded.Body("ABC", 1, "p", "n", "bob").ToBody())).Member);
        Assert.Equal([ResponderRole.TriageLead, ResponderRole.CommsLead], ResponderBody.Added("bob", "B", [ResponderRole.CommsLead, ResponderRole.TriageLead, ResponderRole.CommsLead]).Roles);
        Assert.Equal("founders", Assert.Throws<InvalidStatementException>(() => new RosterSealed().Read(new RosterSealed.Body(["alice"], Digest).ToBody())).Member);
        var confirmed = new ProofConfirmed.Body("bob", "fp", "b", "s").ToBody();
        confirmed["signCount"] = "many";
        Assert.Equal("signCount", Assert.Throws<InvalidStatementException>(() => new ProofConfirmed().Read(confirmed)).Member);
    }
}
