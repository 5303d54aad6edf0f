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
    ];

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
    }
}
