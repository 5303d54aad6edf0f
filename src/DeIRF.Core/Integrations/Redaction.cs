namespace DeIRF.Integrations;

/// <summary>
/// Keeps secrets out of messages, logs and the journal: every secret value of a call is replaced by "***" in any text
/// that leaves the engine, and URLs that may carry a secret (webhooks) are shown as scheme and host only.
/// </summary>
public static class Redaction
{
    public const string Mask = "***";

    /// <summary>Replaces each non-trivial secret (and its URL-escaped form) in <paramref name="text"/>.</summary>
    public static string Apply(string? text, IEnumerable<string?> secrets)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }
        foreach (var secret in secrets.Where(s => s is { Length: >= 4 }).OrderByDescending(s => s!.Length))
        {
            text = text.Replace(secret!, Mask, StringComparison.Ordinal);
            var escaped = Uri.EscapeDataString(secret!);
            if (escaped != secret)
            {
                text = text.Replace(escaped, Mask, StringComparison.Ordinal);
            }
        }
        return text;
    }

    /// <summary>"https://hooks.example.com" for "https://hooks.example.com/services/T0/B0/secret?x=1": what may be journaled of a URL.</summary>
    public static string Origin(Uri uri) => uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
}
