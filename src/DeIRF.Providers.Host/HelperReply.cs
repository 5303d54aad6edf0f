using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Host;

/// <summary>
/// What the host helper (deirf-quarantine.sh) said: lines "DEIRF &lt;key&gt; &lt;values...&gt;", binary values in base64,
/// each with the SHA-256 the host computed, which is checked here against the bytes received.
/// </summary>
internal sealed class HelperReply
{
    public HelperReply(IReadOnlyList<string> lines, int? exitCode, string destination)
    {
        Lines = lines;
        ExitCode = exitCode;
        Destination = destination;
    }

    public IReadOnlyList<string> Lines { get; }
    public int? ExitCode { get; }
    public string Destination { get; }

    /// <summary>The values of the first line with this key (after "DEIRF key"), or null.</summary>
    public string[]? Get(string key) => Parse(Lines, key);

    public string? Text(string key) => Get(key) is { } v ? string.Join(' ', v) : null;

    internal static string[]? Parse(IEnumerable<string> lines, string key)
    {
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            if (parts.Length >= 2 && parts[0] == "DEIRF" && parts[1] == key)
            {
                return parts[2..];
            }
        }
        return null;
    }

    /// <summary>Throws the helper's error, if it reported one, as a stable error id.</summary>
    public void ThrowIfError(object target) => ThrowIfError(Lines, Destination, target);

    internal static void ThrowIfError(IEnumerable<string> lines, string destination, object target)
    {
        if (Parse(lines, "error") is not { } e)
        {
            return;
        }
        var message = string.Join(' ', e);
        var word = message.Split([':', ' '], 2)[0];
        var (id, kind) = word switch
        {
            "no-nft" => ("HostNftMissing", DeirfErrorKind.ResourceUnavailable),
            "exists" => ("HostQuarantineExists", DeirfErrorKind.AlreadyExists),
            "certificate-mismatch" => ("HostCertificateProposalMismatch", DeirfErrorKind.SecurityError),
            "changed" => ("HostQuarantineChanged", DeirfErrorKind.ResourceBusy),
            "nft-load-failed" => ("HostQuarantineLoadFailed", DeirfErrorKind.InvalidOperation),
            "aborted" => ("HostQuarantineAborted", DeirfErrorKind.InvalidOperation),
            _ => ("HostHelperFailed", DeirfErrorKind.InvalidOperation),
        };
        throw new ContainmentException(id, kind, $"{destination}: {message}", target);
    }

    /// <summary>A "sha base64" pair: the decoded bytes, after checking the host's hash.</summary>
    internal static byte[] Checked(string[] values, int at, string what, string destination)
    {
        if (values.Length < at + 2)
        {
            throw Garbled(what, destination);
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(values[at + 1]);
        }
        catch (FormatException)
        {
            throw Garbled(what, destination);
        }
        var sha = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        if (!string.Equals(sha, values[at], StringComparison.Ordinal))
        {
            throw new ContainmentException("HostReplyCorrupt", DeirfErrorKind.InvalidData,
                $"{destination}: the {what} received hashes to {sha}, the host said {values[at]}.", destination);
        }
        return bytes;
    }

    internal static ContainmentException Garbled(string what, string destination)
        => new("HostReplyCorrupt", DeirfErrorKind.InvalidData, $"{destination}: the helper's {what} line could not be read.", destination);

    /// <summary>The table as the host listed it (nft -j), with the SHA-256 of exactly those bytes; null when absent.</summary>
    public (string Sha256, JsonNode Json)? Table()
        => Get("table") is { } t ? TableOf(t, Destination) : null;

    internal static (string Sha256, JsonNode Json)? TableOf(string[] values, string destination)
    {
        if (values.Length == 1 && values[0] == "none")
        {
            return null;
        }
        var bytes = Checked(values, 0, "table", destination);
        return (values[0], ParseJson(bytes, "table", destination));
    }

    internal static JsonNode ParseJson(byte[] bytes, string what, string destination)
    {
        try
        {
            return JsonNode.Parse(bytes) ?? throw Garbled(what, destination);
        }
        catch (System.Text.Json.JsonException)
        {
            throw Garbled(what, destination);
        }
    }

    /// <summary>The ruleset line: base64 only (the same session's bytes; no hash on it).</summary>
    internal static JsonNode? Ruleset(string[]? values, string destination)
    {
        if (values is not { Length: 1 })
        {
            return null;
        }
        try
        {
            return ParseJson(Convert.FromBase64String(values[0]), "ruleset", destination);
        }
        catch (FormatException)
        {
            throw Garbled("ruleset", destination);
        }
    }

    internal static string Utf8(byte[] bytes) => new UTF8Encoding(false).GetString(bytes);
}
