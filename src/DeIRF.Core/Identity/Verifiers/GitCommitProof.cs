using System.Text;

namespace DeIRF.Identity.Verifiers;

/// <summary>What <see cref="GitCommitProof.Check(byte[], ProofKey, string, VerificationContext?)"/> found.</summary>
/// <param name="Signature">The commit signature checked against the proof's key (namespace "git" for SSH).</param>
/// <param name="CarriesExpectedText">True when the commit message contains the expected text (e.g. a statement digest).</param>
/// <param name="Message">The commit message (everything after the headers).</param>
public sealed record GitCommitCheck(SignatureCheck Signature, bool CarriesExpectedText, string Message)
{
    /// <summary>Signed by the proof's key and carrying the expected text.</summary>
    public bool IsValid => Signature.IsValid && CarriesExpectedText;

    public string Reason => !Signature.IsValid ? Signature.Reason
        : CarriesExpectedText ? "valid"
        : "the commit message does not carry the expected text";
}

/// <summary>
/// A signed git commit as the carrier of a statement (SPEC "Identities", git commit row): the commit is signed by an
/// SSH or OpenPGP proof's key, and its message carries the text (a statement digest) the responder vouches for.
/// Not a proof kind of its own: the signature goes through <see cref="Signatures.Verify"/> like every other.
/// </summary>
public static class GitCommitProof
{
    /// <summary>The SSHSIG namespace git signs commits in (ssh-keygen -Y sign -n git).</summary>
    public const string GitNamespace = "git";

    private const string SignatureHeader = "gpgsig";
    private const string Sha256SignatureHeader = "gpgsig-sha256";

    /// <summary>Checks the text of <c>git cat-file commit &lt;sha&gt;</c>, taken as UTF-8.</summary>
    public static GitCommitCheck Check(string commitObject, ProofKey key, string expectedText, VerificationContext? context = null)
        => Check(Encoding.UTF8.GetBytes(commitObject), key, expectedText, context);

    /// <summary>
    /// Checks the raw bytes of a commit object: its signature (the gpgsig header) over the object without that header,
    /// as git verify-commit checks it, by <paramref name="key"/>; and whether its message contains
    /// <paramref name="expectedText"/>. <paramref name="context"/> supplies clock, SSH CAs and principal; its SSH
    /// namespace is replaced by "git".
    /// </summary>
    public static GitCommitCheck Check(byte[] commitObject, ProofKey key, string expectedText, VerificationContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(commitObject);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(expectedText);

        if (!TrySplit(commitObject, out var payload, out var signature, out var message, out var malformed))
        {
            return new GitCommitCheck(SignatureCheck.Invalid(key.Kind, key.Fingerprint, malformed!), false, message);
        }
        bool carries = message.Contains(expectedText, StringComparison.Ordinal);

        var signatureKind = signature.StartsWith("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal) ? ProofKind.Ssh
            : signature.StartsWith("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal) ? ProofKind.OpenPgp
            : (ProofKind?)null;
        if (signatureKind is null)
        {
            return new GitCommitCheck(SignatureCheck.Invalid(key.Kind, key.Fingerprint,
                "the commit signature is neither SSH nor OpenPGP (x509/gpgsm signatures are not accepted)"), carries, message);
        }
        if (signatureKind != key.Kind)
        {
            return new GitCommitCheck(SignatureCheck.Invalid(key.Kind, key.Fingerprint,
                $"the commit is signed with {signatureKind} but this proof is {key.Kind}"), carries, message);
        }

        var gitContext = WithGitNamespace(context ?? VerificationContext.Default);
        return new GitCommitCheck(Signatures.Verify(key, payload, signature, gitContext), carries, message);
    }

    /// <summary>
    /// Splits a commit object into the signed payload (the object without its gpgsig / gpgsig-sha256 headers), the
    /// signature text, and the message. Headers end at the first empty line; a header's continuation lines start with
    /// one space, which is not part of the value.
    /// </summary>
    internal static bool TrySplit(byte[] commitObject, out byte[] payload, out string signature, out string message, out string? reason)
    {
        payload = [];
        signature = string.Empty;
        message = string.Empty;

        int headerEnd = IndexOf(commitObject, "\n\n"u8);
        int headerLength = headerEnd < 0 ? commitObject.Length : headerEnd + 1;
        if (headerEnd >= 0)
        {
            message = Encoding.UTF8.GetString(commitObject, headerEnd + 2, commitObject.Length - headerEnd - 2);
        }

        var kept = new MemoryStream(commitObject.Length);
        string? sha1Signature = null;
        string? sha256Signature = null;
        int position = 0;
        while (position < headerLength)
        {
            // One header: its first line and any continuation lines.
            int end = position;
            do
            {
                int newline = Array.IndexOf(commitObject, (byte)'\n', end, headerLength - end);
                end = newline < 0 ? headerLength : newline + 1;
            }
            while (end < headerLength && commitObject[end] == (byte)' ');

            var header = commitObject.AsSpan(position, end - position);
            string? name = HeaderName(header);
            if (name is SignatureHeader or Sha256SignatureHeader)
            {
                var value = HeaderValue(header, name.Length);
                if ((name == SignatureHeader ? sha1Signature : sha256Signature) is not null)
                {
                    reason = $"the commit has more than one {name} header";
                    return false;
                }
                if (name == SignatureHeader)
                {
                    sha1Signature = value;
                }
                else
                {
                    sha256Signature = value;
                }
            }
            else
            {
                kept.Write(header);
            }
            position = end;
        }
        kept.Write(commitObject.AsSpan(headerLength));

        // A SHA-1 repository's signature is "gpgsig"; a SHA-256 repository's (64-hex tree id) is "gpgsig-sha256".
        bool sha256Repository = commitObject.AsSpan().StartsWith("tree "u8) && IndexOf(commitObject, "\n"u8) == 5 + 64;
        var chosen = sha256Repository ? sha256Signature : sha1Signature;
        if (chosen is null)
        {
            reason = "the commit is not signed (no gpgsig header)";
            return false;
        }
        payload = kept.ToArray();
        signature = chosen;
        reason = null;
        return true;
    }

    private static string? HeaderName(ReadOnlySpan<byte> header)
    {
        int space = header.IndexOf((byte)' ');
        return space <= 0 ? null : Encoding.ASCII.GetString(header[..space]);
    }

    /// <summary>The header's value: the first line after "name ", then each continuation line without its leading space.</summary>
    private static string HeaderValue(ReadOnlySpan<byte> header, int nameLength)
    {
        var text = Encoding.UTF8.GetString(header[(nameLength + 1)..]);
        var lines = text.Split('\n');
        var sb = new StringBuilder(lines[0]);
        foreach (var line in lines.Skip(1))
        {
            sb.Append('\n');
            sb.Append(line.StartsWith(' ') ? line[1..] : line);
        }
        return sb.ToString();
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    private static VerificationContext WithGitNamespace(VerificationContext context) => new()
    {
        Clock = context.Clock,
        SshNamespace = GitNamespace,
        TrustedSshCertificateAuthorities = context.TrustedSshCertificateAuthorities,
        ExpectedSshPrincipal = context.ExpectedSshPrincipal,
        LastFido2SignCount = context.LastFido2SignCount,
        IsOidcNonceUnused = context.IsOidcNonceUnused,
        ClockSkew = context.ClockSkew,
    };
}
