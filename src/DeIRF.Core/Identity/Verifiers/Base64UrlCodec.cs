namespace DeIRF.Identity.Verifiers;

/// <summary>
/// RFC 4648 §5 base64url without padding, as WebAuthn and JOSE write it. Decoding is strict (no padding, no
/// whitespace, no standard-alphabet characters, no non-zero trailing bits) so one value has exactly one spelling.
/// </summary>
internal static class Base64UrlCodec
{
    public static string Encode(ReadOnlySpan<byte> bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes <paramref name="text"/>; false (with <paramref name="bytes"/> empty) when it is not canonical base64url.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length % 4 == 1)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }
        string b64 = text.Replace('-', '+').Replace('_', '/');
        b64 += (b64.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            return false;
        }
        // Refuse non-zero padding bits: "AB" and "AA" would otherwise decode alike.
        if (Encode(decoded) != text)
        {
            return false;
        }
        bytes = decoded;
        return true;
    }
}
