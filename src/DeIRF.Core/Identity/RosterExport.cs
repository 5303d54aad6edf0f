using System.Text;
using System.Text.Json;

namespace DeIRF.Identity;

/// <summary>
/// The public mapping of handles to names and key fingerprints (the seed's section 2 tip), for a tamper-evident
/// repository. Deterministic: sorted, indented, LF, stable member order, so a diff shows exactly what changed.
/// </summary>
public static class RosterExport
{
    public static string ToPublicJson(Roster roster)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("workspace", roster.Workspace.WorkspaceId);
            w.WriteString("name", roster.Workspace.Name);
            w.WriteString("rosterHead", roster.HeadHash ?? string.Empty);
            w.WriteNumber("rosterEntries", roster.EntryCount);
            w.WriteStartArray("responders");
            foreach (var r in roster.Responders.OrderBy(r => r.Handle, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("handle", r.Handle);
                w.WriteString("name", r.Name);
                w.WriteStartArray("roles");
                foreach (var role in r.Roles.Order())
                {
                    w.WriteStringValue(role.ToString());
                }
                w.WriteEndArray();
                w.WriteBoolean("eligible", r.Eligible);
                w.WriteStartArray("proofs");
                foreach (var p in r.Proofs.OrderBy(p => p.Kind).ThenBy(p => p.Fingerprint, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("kind", p.Kind.ToString());
                    w.WriteString("fingerprint", p.Fingerprint);
                    w.WriteString("algorithm", p.Algorithm);
                    w.WriteString("added", Journal.Timestamps.ToJournal(p.AddedAt));
                    w.WriteString("lastConfirmed", Journal.Timestamps.ToJournal(p.LastConfirmedAt));
                    if (p.RevokedAt is { } revoked)
                    {
                        w.WriteString("revoked", Journal.Timestamps.ToJournal(revoked));
                        w.WriteString("revokedReason", p.RevokedReason);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }
}
