using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

#nullable enable

namespace DeIRF.Testing;

/// <summary>
/// The one helper every xUnit project uses (linked into each) for what the suite leaves behind and the secrets it
/// used, so `build.ps1 test` can scan everything the suite produced for the keys, tokens and passphrases it made:
/// <list type="bullet">
/// <item>Temporary folders: <see cref="NewDirectory"/> / <see cref="Delete"/>. With DEIRF_TEST_KEEP=1 (set by
/// build.ps1 test, which also points TMPDIR at out/test-artifacts) nothing is deleted.</item>
/// <item>Secrets: <see cref="RegisterSecret"/> / <see cref="RegisterSecretBytes"/> / <see cref="RegisterKeyFile"/>
/// append every searchable form to the registry named by DEIRF_TEST_SECRETS_REGISTRY (nothing without it).</item>
/// </list>
/// The registry is a TSV: "secret", kind, form (one textual form a leak would show) or "keyfile", path (a file that
/// holds a key on purpose: the scan skips it, and searches everywhere else for its secret lines).
/// </summary>
internal static class TestArtifacts
{
    public const string KeepVariable = "DEIRF_TEST_KEEP";
    public const string RegistryVariable = "DEIRF_TEST_SECRETS_REGISTRY";

    /// <summary>Forms shorter than this are not registered: they would match by chance.</summary>
    public const int MinimumFormLength = 8;

    public static bool Keep => Environment.GetEnvironmentVariable(KeepVariable) == "1";

    private static readonly object Gate = new();

    /// <summary>A new empty folder under the temporary root (TMPDIR), named with <paramref name="prefix"/>.</summary>
    public static string NewDirectory(string prefix) => Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Deletes a test folder, unless the run keeps artifacts for the secrets scan.</summary>
    public static void Delete(string directory)
    {
        if (!Keep && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Registers a secret text (a hex key, a token, a passphrase) in every form worth searching.</summary>
    public static void RegisterSecret(string kind, string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }
        var forms = new HashSet<string>(StringComparer.Ordinal) { secret, secret.Trim() };
        var hex = secret.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? secret[2..] : secret;
        if (hex.Length >= 2 && hex.Length % 2 == 0 && hex.All(Uri.IsHexDigit))
        {
            forms.Add(hex.ToLowerInvariant());
            forms.Add(hex.ToUpperInvariant());
            AddBinaryForms(forms, Convert.FromHexString(hex));
        }
        forms.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
        Write(kind, forms);
    }

    /// <summary>Registers raw secret bytes (a private scalar, a seed): hex either case, base64, base64url.</summary>
    public static void RegisterSecretBytes(string kind, ReadOnlySpan<byte> secret)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal);
        AddBinaryForms(forms, secret.ToArray());
        Write(kind, forms);
    }

    /// <summary>
    /// A file that holds a private key on purpose (an OpenSSH or armored OpenPGP secret key, a seed file): the scan
    /// skips the file itself and searches every other file for its secret lines (see <see cref="RegisterKeyText"/>).
    /// </summary>
    public static void RegisterKeyFile(string kind, string path, string? publicText = null)
    {
        if (Environment.GetEnvironmentVariable(RegistryVariable) is not { Length: > 0 })
        {
            return;
        }
        Append($"keyfile\t{kind}\t{Path.GetFullPath(path)}\n");
        if (File.Exists(path))
        {
            RegisterKeyText(kind, File.ReadAllText(path), publicText);
        }
    }

    /// <summary>
    /// A private key as text, registered by its secret parts only (public parts appear legitimately everywhere): a
    /// one-line key (hex seed, 0x key) in all its forms; an OpenSSH key by its private fields; a PEM private key
    /// by its private parameters; anything else armored (an OpenPGP secret key export) by its body lines of 40+
    /// characters, less any line found in <paramref name="publicText"/> (the export repeats the public packet).
    /// </summary>
    public static void RegisterKeyText(string kind, string secretText, string? publicText = null)
    {
        var lines = secretText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 1)
        {
            RegisterSecret(kind, lines[0]);
            return;
        }
        if (secretText.Contains("-----BEGIN OPENSSH PRIVATE KEY-----", StringComparison.Ordinal))
        {
            foreach (var field in OpenSshPrivateFields(secretText))
            {
                RegisterSecretBytes(kind, field);
            }
            return;
        }
        if (secretText.Contains("PRIVATE KEY-----", StringComparison.Ordinal) && !secretText.Contains("PGP", StringComparison.Ordinal))
        {
            foreach (var field in PemPrivateFields(secretText))
            {
                RegisterSecretBytes(kind, field);
            }
            return;
        }
        var publicLines = (publicText ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        Write(kind, lines.Where(l => l.Length >= 40 && !l.StartsWith("-----", StringComparison.Ordinal) && !l.Contains(':', StringComparison.Ordinal) && !publicLines.Contains(l)));
    }

    /// <summary>
    /// The private fields of an unencrypted OpenSSH key (PROTOCOL.key): every string of the private section that is
    /// binary, 16+ bytes and not part of the public key blob (ed25519 seed||pub, ECDSA d, RSA d/iqmp/p/q). An
    /// encrypted key yields nothing (its passphrase is registered by whoever chose it).
    /// </summary>
    private static IEnumerable<byte[]> OpenSshPrivateFields(string text)
    {
        var body = string.Concat(text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(body);
        }
        catch (FormatException)
        {
            yield break;
        }
        int at = "openssh-key-v1\0".Length;
        byte[]? Next()
        {
            if (at + 4 > blob.Length)
            {
                return null;
            }
            int n = (blob[at] << 24) | (blob[at + 1] << 16) | (blob[at + 2] << 8) | blob[at + 3];
            if (n < 0 || at + 4 + n > blob.Length)
            {
                return null;
            }
            var field = blob[(at + 4)..(at + 4 + n)];
            at += 4 + n;
            return field;
        }
        var cipher = Next();
        if (cipher is null || Encoding.ASCII.GetString(cipher) != "none")
        {
            yield break;
        }
        Next(); // kdf name
        Next(); // kdf options
        at += 4; // number of keys (1)
        var publicBlob = Next() ?? [];
        var privateSection = Next();
        if (privateSection is null)
        {
            yield break;
        }
        blob = privateSection;
        at = 8; // two check ints
        var hexPublic = Convert.ToHexString(publicBlob);
        while (Next() is { } field)
        {
            bool binary = field.Any(b => b < 0x20 || b > 0x7e);
            var trimmed = field.SkipWhile(b => b == 0).ToArray();
            if (binary && trimmed.Length >= 16 && !hexPublic.Contains(Convert.ToHexString(trimmed), StringComparison.Ordinal))
            {
                yield return trimmed;
                if (field.Length == 64)
                {
                    yield return field[..32]; // ed25519: the seed alone
                }
            }
        }
    }

    /// <summary>The private parameters of a PEM RSA or EC private key (PKCS#1, SEC1 or PKCS#8, unencrypted).</summary>
    private static IEnumerable<byte[]> PemPrivateFields(string text)
    {
        var fields = new List<byte[]>();
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(text);
            var p = rsa.ExportParameters(true);
            fields.AddRange(new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ }.Where(f => f is not null).Select(f => f!));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            try
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(text);
                fields.Add(ec.ExportParameters(true).D!);
            }
            catch (Exception ex2) when (ex2 is ArgumentException or CryptographicException)
            {
                // Not a key .NET reads: nothing registered beyond the key file itself.
            }
        }
        return fields;
    }

    private static void AddBinaryForms(HashSet<string> forms, byte[] bytes)
    {
        if (bytes.Length < 8)
        {
            return;
        }
        forms.Add(Convert.ToHexString(bytes).ToLowerInvariant());
        forms.Add(Convert.ToHexString(bytes));
        var b64 = Convert.ToBase64String(bytes);
        forms.Add(b64.TrimEnd('='));
        forms.Add(b64.TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }

    private static void Write(string kind, IEnumerable<string> forms)
    {
        if (Environment.GetEnvironmentVariable(RegistryVariable) is not { Length: > 0 })
        {
            return;
        }
        var sb = new StringBuilder();
        foreach (var form in forms.Where(f => f.Length >= MinimumFormLength && !f.Contains('\t') && !f.Contains('\n')))
        {
            sb.Append("secret\t").Append(kind).Append('\t').Append(form).Append('\n');
        }
        Append(sb.ToString());
    }

    private static void Append(string text)
    {
        if (text.Length == 0 || Environment.GetEnvironmentVariable(RegistryVariable) is not { Length: > 0 } path)
        {
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (Gate)
        {
            // One write per registration on an O_APPEND stream: lines from parallel test processes do not interleave.
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            fs.Write(bytes);
        }
    }

    /// <summary>A random secret of <paramref name="bytes"/> bytes, lowercase hex, registered as <paramref name="kind"/>.</summary>
    public static string NewRegisteredHex(string kind, int bytes)
    {
        var text = Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();
        RegisterSecret(kind, text);
        return text;
    }
}
