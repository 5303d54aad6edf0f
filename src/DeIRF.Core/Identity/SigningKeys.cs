using System.Text.Json;
using System.Text.Json.Nodes;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Identity;

/// <summary>
/// Which key signs a responder's entries on this machine: a pointer to a key file (never the key itself), kept in
/// the user's configuration folder, outside any shared workspace ($DEIRF_SIGNING_CONFIG overrides the path).
/// </summary>
public sealed record SigningKeySetting(string WorkspaceId, string Handle, ProofKind Kind, string KeyPath, string Fingerprint);

public static class SigningKeys
{
    public const string EnvironmentVariable = "DEIRF_SIGNING_CONFIG";

    // Kinds by name, so the file survives a reordering of the enum.
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static string ConfigPath
    {
        get
        {
            var overridePath = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(overridePath))
            {
                return overridePath;
            }
            var baseDir = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return Path.Combine(baseDir, OperatingSystem.IsWindows() ? "DeIRF" : "deirf", "signing-keys.json");
        }
    }

    public static IReadOnlyList<SigningKeySetting> Load()
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<SigningKeySetting>>(File.ReadAllText(path), JsonOptions) ?? [];
        }
        catch (JsonException ex)
        {
            throw new DeirfException("SigningConfigInvalid", DeirfErrorKind.InvalidData, $"Signing key configuration '{path}' is unreadable: {ex.Message}", path, ex);
        }
    }

    /// <summary>
    /// Records that <paramref name="handle"/> signs with the key at <paramref name="keyPath"/> in this workspace. The
    /// key must belong to one of the responder's active proofs (checked by deriving its public part).
    /// </summary>
    public static SigningKeySetting Set(Workspace ws, Roster roster, string handle, ProofKind kind, string keyPath)
    {
        var responder = roster.Get(handle);
        var full = Path.GetFullPath(keyPath);
        string fingerprint;
        try
        {
            // Signing is unattended: the key must open without a passphrase, now and at every append.
            using var material = PrivateKeyMaterial.FromFile(full);
            var key = Signatures.ParsePublicKey(kind, Signatures.SignerFor(kind).PublicKeyOf(material));
            fingerprint = key.Fingerprint;
        }
        catch (InvalidProofException ex)
        {
            throw new DeirfException("SigningKeyUnusable", DeirfErrorKind.InvalidData,
                $"The key at '{full}' cannot sign unattended ({ex.Reason}). Use an unencrypted key file readable only by you, kept outside the workspace.", keyPath, ex);
        }
        var proof = responder.FindProof(fingerprint);
        if (proof is null || proof.IsRevoked)
        {
            throw new DeirfException("SigningKeyNotBound", DeirfErrorKind.SecurityError,
                $"The key at '{full}' ({kind} {fingerprint}) is not an active proof of '{handle}'. Bind it first with Add-DeirfIdentityProof.", keyPath);
        }
        var settings = Load().Where(s => !(s.WorkspaceId == ws.WorkspaceId && s.Handle == handle)).ToList();
        var setting = new SigningKeySetting(ws.WorkspaceId, handle, kind, full, fingerprint);
        settings.Add(setting);
        Save(settings);
        return setting;
    }

    /// <summary>Drops this machine's settings that point at a key (after it was revoked). Returns how many.</summary>
    public static int Forget(Workspace ws, string fingerprint)
    {
        var all = Load().ToList();
        int removed = all.RemoveAll(s => s.WorkspaceId == ws.WorkspaceId && s.Fingerprint == fingerprint);
        if (removed > 0)
        {
            Save(all);
        }
        return removed;
    }

    private static void Save(IReadOnlyList<SigningKeySetting> settings)
    {
        var path = ConfigPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Workspaces.AtomicFile.WriteText(path, JsonSerializer.Serialize(settings, JsonOptions));
    }

    /// <summary>
    /// The signers for an entry by <paramref name="actor"/>: its configured key when that key is still an active proof.
    /// A revoked or unknown key is not used (its signature would fail verification); <paramref name="problem"/> says why.
    /// </summary>
    public static IReadOnlyList<IStatementSigner> SignersFor(Workspace ws, Roster roster, string actor, out string? problem)
    {
        problem = null;
        if (For(ws.WorkspaceId, actor) is not { } s)
        {
            return [];
        }
        var proof = roster.Find(actor)?.FindProof(s.Fingerprint);
        if (proof is null || proof.IsRevoked)
        {
            problem = proof is null
                ? $"the signing key configured for '{actor}' ({s.Kind} {s.Fingerprint}) is not a proof of theirs"
                : $"the signing key configured for '{actor}' ({s.Kind} {s.Fingerprint}) was revoked on {proof.RevokedAt:u}";
            return [];
        }
        return [new KeyFileStatementSigner(s.Handle, s.Kind, s.KeyPath, s.Fingerprint)];
    }

    public static SigningKeySetting? For(string workspaceId, string handle)
        => Load().LastOrDefault(s => s.WorkspaceId == workspaceId && s.Handle == handle);

    /// <summary>The responders this machine signs as in the workspace (distinct handles, in configuration order).</summary>
    public static IReadOnlyList<string> HandlesFor(string workspaceId)
        => Load().Where(s => s.WorkspaceId == workspaceId).Select(s => s.Handle).Distinct(StringComparer.Ordinal).ToList();

}

/// <summary>Signs a statement with a key file read at signing time and dropped right after.</summary>
public sealed class KeyFileStatementSigner : IStatementSigner
{
    private readonly string _handle;
    private readonly ProofKind _kind;
    private readonly string _keyPath;
    private readonly string _fingerprint;
    private readonly char[]? _passphrase;

    public KeyFileStatementSigner(string handle, ProofKind kind, string keyPath, string fingerprint, char[]? passphrase = null)
    {
        _handle = handle;
        _kind = kind;
        _keyPath = keyPath;
        _fingerprint = fingerprint;
        _passphrase = passphrase;
    }

    public JsonObject? Sign(ReadOnlySpan<byte> statement)
    {
        if (!File.Exists(_keyPath))
        {
            throw new DeirfException("SigningKeyMissing", DeirfErrorKind.NotFound, $"The signing key file '{_keyPath}' configured for '{_handle}' is missing. Run Set-DeirfSigningKey again.", _keyPath);
        }
        using var material = PrivateKeyMaterial.FromFile(_keyPath, _passphrase is null ? null : (char[])_passphrase.Clone());
        return EntrySignature.ToJson(_handle, _kind, _fingerprint, Signatures.SignerFor(_kind).Sign(statement, material));
    }
}

/// <summary>The object stored in an entry's "sigs" array: who signed, with which proof, and the signature text.</summary>
public static class EntrySignature
{
    public static JsonObject ToJson(string handle, ProofKind kind, string fingerprint, string signature) => new()
    {
        ["by"] = handle,
        ["fp"] = fingerprint,
        ["kind"] = kind.ToString(),
        ["sig"] = signature,
    };
}
