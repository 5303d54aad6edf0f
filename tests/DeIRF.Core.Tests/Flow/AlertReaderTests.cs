using System.Security.Cryptography;
using System.Text;
using DeIRF.Alerts;

using Xunit;

namespace DeIRF.Core.Tests.Flow;

/// <summary>Alerts from real producer samples (Vectors/alerts/README.md cites each) and malformed ones.</summary>
public class AlertReaderTests
{
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Vectors", "alerts", name);

    [Fact]
    public void FalcoDocumentationExampleIsReadWithItsBytesKept()
    {
        // Falco docs, "Falco Alerts" → JSON Output (https://falco.org/docs/alerts/).
        var bytes = File.ReadAllBytes(Sample("falco-event.json"));
        var a = Assert.Single(AlertReader.Read(bytes, "falco-event.json"));
        Assert.Equal("falco", a.Format);
        Assert.Equal("Write below binary dir", a.Title);
        Assert.Equal("falco/syscall", a.Source);
        Assert.Equal(new DateTimeOffset(2017, 10, 9, 23, 31, 56, TimeSpan.Zero).AddTicks(7466090), a.EventTime);
        Assert.Equal(TimeSpan.Zero, a.EventTime.Offset);
        Assert.Equal(("Medium", "High"), (a.SuggestedImpact, a.SuggestedUrgency)); // priority Error
        Assert.Contains("falco", a.Tags);
        Assert.Contains("/bin/hack", a.Details);
        Assert.Equal(bytes, a.RawBytes);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), a.Sha256);
        // evt.time (1507591916746609046) is above 2^53: it survives only in the raw bytes, untouched.
        Assert.Contains("1507591916746609046", a.RawText);
    }

    [Fact]
    public void FalcoJsonLinesGiveOneAlertPerLineEachWithItsOwnBytes()
    {
        var alerts = AlertReader.Read(File.ReadAllBytes(Sample("falco-events.jsonl")));
        Assert.Equal(2, alerts.Count);
        Assert.Equal("Write below binary dir on localhost", alerts[1].Title);
        Assert.NotEqual(alerts[0].Sha256, alerts[1].Sha256);
        Assert.Equal(File.ReadAllLines(Sample("falco-events.jsonl"))[0], alerts[0].RawText);
    }

    [Fact]
    public void AlertmanagerV4PayloadIsReadPerAlert()
    {
        var bytes = File.ReadAllBytes(Sample("alertmanager-webhook.json"));
        var a = Assert.Single(AlertReader.Read(bytes));
        Assert.Equal("alertmanager", a.Format);
        Assert.Equal("BlackBox Probe Failure: https://server.example.org", a.Title);
        Assert.Equal("alertmanager/sms", a.Source);
        Assert.Equal(DateTimeOffset.Parse("2023-02-06T13:08:45.828Z"), a.EventTime);
        Assert.Equal(("High", "High"), (a.SuggestedImpact, a.SuggestedUrgency)); // severity=critical
        Assert.StartsWith("http://prometheus.example.org:9090/graph", a.Link);
        Assert.Contains("ProbeFailure", a.Tags);
        Assert.Equal(bytes, a.RawBytes);
    }

    [Fact]
    public void GenericShapeWithExplicitImpactAndUrgency()
    {
        var a = Assert.Single(AlertReader.Read("""{"title":"Treasury withdrawal above limit","time":"2026-11-24T18:02:00+01:00","source":"chain-monitor","severity":"warning","urgency":"high","details":{"tx":"0xabc"},"tags":["treasury"]}"""));
        Assert.Equal("generic", a.Format);
        Assert.Equal("chain-monitor", a.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 17, 2, 0, TimeSpan.Zero), a.EventTime);
        Assert.Equal(("Medium", "High"), (a.SuggestedImpact, a.SuggestedUrgency));
        Assert.Equal(["chain-monitor", "treasury"], a.Tags);
        Assert.Contains("0xabc", a.Details);
    }

    [Theory]
    [InlineData("Emergency", "High", "High")]
    [InlineData("critical", "High", "High")]
    [InlineData("Error", "Medium", "High")]
    [InlineData("Warning", "Medium", "Medium")]
    [InlineData("Notice", "Low", "Medium")]
    [InlineData("Informational", "Low", "Low")]
    [InlineData("Debug", "Low", "Low")]
    public void FalcoPriorityMapping(string priority, string impact, string urgency)
        => Assert.Equal((impact, urgency), AlertReader.FalcoPriority(priority));

    [Theory]
    [InlineData("""{"output":"x","priority":"Error","time":"2017-10-09T23:31:56Z"}""", "rule")]
    [InlineData("""{"output":"x","rule":"r","time":"2017-10-09T23:31:56Z"}""", "priority")]
    [InlineData("""{"rule":"r","priority":"Loud","time":"2017-10-09T23:31:56Z"}""", "priority")]
    [InlineData("""{"rule":"r","priority":"Error"}""", "time")]
    [InlineData("""{"rule":"r","priority":"Error","time":"yesterday"}""", "time")]
    [InlineData("""{"rule":"r","priority":"Error","time":"2017-10-09T23:31:56"}""", "time")]
    [InlineData("""{"rule":"r","priority":"Error","time":"2017-10-09T23:31:56Z","tags":"a"}""", "tags")]
    [InlineData("""{"version":"3","alerts":[]}""", "version")]
    [InlineData("""{"version":"4","status":"firing"  ,"groupKey":"k"}""", "alerts")]
    [InlineData("""{"version":"4","alerts":[]}""", "alerts")]
    [InlineData("""{"version":"4","alerts":[{"labels":{},"startsAt":"2023-02-06T13:08:45Z"}]}""", "alerts[0].labels.alertname")]
    [InlineData("""{"version":"4","alerts":[{"labels":{"alertname":"A"}}]}""", "alerts[0].startsAt")]
    [InlineData("""{"version":"4","alerts":[{"labels":{"alertname":"A"},"startsAt":"2023-02-06T13:08:45Z"},{"startsAt":"2023-02-06T13:08:45Z"}]}""", "alerts[1].labels")]
    [InlineData("""{"time":"2026-11-24T18:02:00Z"}""", "title")]
    [InlineData("""{"title":"  ","time":"2026-11-24T18:02:00Z"}""", "title")]
    [InlineData("""{"title":"t"}""", "time")]
    [InlineData("""{"title":"t","time":"2026-11-24T18:02:00Z","impact":"Huge"}""", "impact")]
    [InlineData("""{"title":"t","time":"2026-11-24T18:02:00Z","details":42}""", "details")]
    [InlineData("""[1,2]""", "(document)")]
    [InlineData("""{"title":""", "(document)")]
    [InlineData("   ", "(document)")]
    public void MalformedAlertsNameTheField(string json, string field)
    {
        var ex = Assert.Throws<AlertInvalidException>(() => AlertReader.Read(json));
        Assert.Equal(field, ex.Field);
        Assert.Equal("AlertInvalid", ex.ErrorId);
        if (!field.StartsWith('('))
        {
            Assert.Contains($"'{field}'", ex.Message);
        }
    }

    [Fact]
    public void OneBadLineRefusesTheWholeFile()
    {
        var text = File.ReadAllText(Sample("falco-events.jsonl")) + """{"rule":"r","time":"2017-10-09T23:31:56Z"}""" + "\n";
        var ex = Assert.Throws<AlertInvalidException>(() => AlertReader.Read(Encoding.UTF8.GetBytes(text)));
        Assert.Equal("priority", ex.Field);
    }

    [Fact]
    public void LongTitlesAreCutToTheIncidentLimit()
    {
        var a = Assert.Single(AlertReader.Read($$"""{"title":"{{new string('x', 500)}}","time":"2026-11-24T18:02:00Z"}"""));
        Assert.Equal(Alert.MaxTitle, a.Title.Length);
    }
}
