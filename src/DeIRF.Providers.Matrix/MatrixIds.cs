using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DeIRF.Integrations;
using DeIRF.Quorum;

namespace DeIRF.Providers.Matrix;

/// <summary>A Matrix event as DeIRF names it: <c>matrix:event/&lt;room id&gt;/&lt;event id&gt;</c>.</summary>
public sealed partial record MatrixEventRef(string RoomId, string EventId)
{
    public const string Prefix = "matrix:event/";

    public override string ToString() => $"{Prefix}{RoomId}/{EventId}";

    /// <summary>Parses the signature text; null and a reason when it is not one.</summary>
    public static MatrixEventRef? TryParse(string? text, out string? problem)
    {
        problem = null;
        var t = (text ?? string.Empty).Trim();
        if (!t.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"a Matrix signature is {Prefix}<room id>/<event id> (e.g. {Prefix}!abc:example.org/$ev…), the message that approves or binds";
            return null;
        }
        t = t[Prefix.Length..];
        // Room ids never hold '$' and event ids start with it: the first "/$" splits them.
        var split = t.IndexOf("/$", StringComparison.Ordinal);
        if (split < 0)
        {
            problem = $"'{Short(t)}' has no /$<event id> after the room id";
            return null;
        }
        var room = t[..split];
        var ev = t[(split + 1)..];
        if (!ChatChannels.IsMatrixRoomId(room))
        {
            problem = $"'{Short(room)}' is not a Matrix room id (!opaque:server)";
            return null;
        }
        if (!IsEventId(ev))
        {
            problem = $"'{Short(ev)}' is not a Matrix event id ($ and up to 254 characters of A-Z a-z 0-9 + / = _ - . :)";
            return null;
        }
        return new MatrixEventRef(room, ev);
    }

    public static bool IsEventId(string id) => EventIdPattern().IsMatch(id);

    internal static string Short(string text) => text.Length > 80 ? text[..80] + "…" : text;

    [GeneratedRegex("^\\$[A-Za-z0-9+/=_\\-.:]{1,254}$")]
    private static partial Regex EventIdPattern();
}

/// <summary>
/// What a message must say. Approving: <c>deirf approve &lt;digest&gt;</c>, alone. Binding: <c>deirf bind &lt;digest&gt;</c>
/// on the first line, then the signature over the same binding payload by one of the responder's bound keys.
/// </summary>
public static partial class MatrixMessages
{
    public const string ApproveVerb = "deirf approve";
    public const string BindVerb = "deirf bind";

    /// <summary>
    /// The digest a message names for these payload bytes: a quorum signing payload (DeIRF-proposal-v1) is named by its
    /// proposal id, the digest signers compare (the quorum checks the bytes are exactly that proposal's); anything else
    /// (a binding, an approval gate payload) by the SHA-256 of its bytes. So one message never serves two purposes.
    /// </summary>
    public static string DigestOf(ReadOnlySpan<byte> payload)
    {
        var head = Encoding.UTF8.GetBytes(Proposal.SignatureDomainLine + "\nproposal: ");
        if (payload.StartsWith(head) && payload.Length >= head.Length + 65 && payload[head.Length + 64] == (byte)'\n')
        {
            var id = Encoding.ASCII.GetString(payload.Slice(head.Length, 64));
            if (IsDigest(id))
            {
                return id;
            }
        }
        return Convert.ToHexString(SHA256.HashData(payload)).ToLowerInvariant();
    }

    public static bool IsDigest(string text) => DigestPattern().IsMatch(text);

    /// <summary>The digest a "deirf approve" body names, or null when the body is not exactly such a message.</summary>
    public static string? ApprovedDigest(string body)
    {
        var m = ApprovePattern().Match(body.Trim());
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The digest and vouching signature of a "deirf bind" body, or null when its first line is not one.</summary>
    public static (string Digest, string Signature)? Binding(string body)
    {
        var text = body.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        var newline = text.IndexOf('\n');
        var first = (newline < 0 ? text : text[..newline]).Trim();
        var m = BindPattern().Match(first);
        return m.Success ? (m.Groups[1].Value, newline < 0 ? string.Empty : text[(newline + 1)..].Trim()) : null;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^deirf approve ([0-9a-f]{64})$")]
    private static partial Regex ApprovePattern();

    [GeneratedRegex("^deirf bind ([0-9a-f]{64})$")]
    private static partial Regex BindPattern();
}
