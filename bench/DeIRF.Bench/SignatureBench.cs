using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DeIRF.Core.Tests.Identity;
using DeIRF.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Signature verifications per second for each proof kind on one thread, beside a baseline from the same run:
/// gpg --verify and ssh-keygen -Y verify run once per signature (what a shell runbook would do) for OpenPGP and
/// SSH; the bare cryptographic check for the kinds that have no command-line peer here.
/// </summary>
internal static class SignatureBench
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"domain\":\"deirf/bench\",\"text\":\"quarantine prod/api-7f9\"}");

    public static IEnumerable<(string, string, string, string, string)> Run(string work)
    {
        var rows = new List<(string, string, string, string, string)>();
        Directory.CreateDirectory(work);

        // did:key (Ed25519) beside BouncyCastle's bare Ed25519 verify.
        {
            var seed = RandomNumberGenerator.GetBytes(32);
            using var material = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(Convert.ToHexString(seed)));
            var signer = Signatures.SignerFor(ProofKind.DidKey);
            var key = Signatures.ParsePublicKey(ProofKind.DidKey, signer.PublicKeyOf(material));
            var sig = signer.Sign(Payload, material);
            double deirf = Rate(() => Check(key, sig));
            var pub = new byte[32];
            Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.GeneratePublicKey(seed, 0, pub, 0);
            var raw = new byte[64];
            Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Sign(seed, 0, Payload, 0, Payload.Length, raw, 0);
            double bare = Rate(() => Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(raw, 0, pub, 0, Payload, 0, Payload.Length));
            rows.Add(Row("did:key (detached EdDSA JWS)", deirf, $"bare Ed25519 verify: {bare:F0}/s", deirf / bare));
        }

        // Ethereum personal_sign beside Nethereum's bare recover.
        {
            byte[] k;
            do { k = RandomNumberGenerator.GetBytes(32); } while (k[0] == 0 || k[0] >= 0xF0);
            using var material = new PrivateKeyMaterial(Encoding.ASCII.GetBytes(Convert.ToHexString(k)));
            var signer = Signatures.SignerFor(ProofKind.Ethereum);
            var key = Signatures.ParsePublicKey(ProofKind.Ethereum, signer.PublicKeyOf(material));
            var sig = signer.Sign(Payload, material);
            double deirf = Rate(() => Check(key, sig));
            var ms = new Nethereum.Signer.EthereumMessageSigner();
            double bare = Rate(() => ms.EcRecover(Payload, sig));
            rows.Add(Row("Ethereum (EIP-191 personal_sign)", deirf, $"bare Nethereum EcRecover: {bare:F0}/s", deirf / bare));
        }

        // FIDO2 assertion beside a bare ECDSA P-256 verify of the same bytes.
        {
            using var authenticator = new SoftwareAuthenticator();
            var key = Signatures.ParsePublicKey(ProofKind.Fido2, authenticator.PublicKeyJson());
            var assertion = authenticator.Sign(Payload);
            double deirf = Rate(() => Check(key, assertion));
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var data = RandomNumberGenerator.GetBytes(69);
            var der = ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            double bare = Rate(() => ec.VerifyData(data, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            rows.Add(Row("FIDO2 / WebAuthn assertion (ES256)", deirf, $"bare ECDSA P-256 verify: {bare:F0}/s", deirf / bare));
        }

        // OIDC id_token beside a bare RSA-2048 PKCS#1 verify.
        {
            using var rsa = RSA.Create(2048);
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = "k1" });
            jwk.Use = "sig";
            jwk.Alg = "RS256";
            var jwks = "{\"keys\":[" + System.Text.Json.JsonSerializer.Serialize(new { kty = jwk.Kty, kid = jwk.Kid, use = jwk.Use, alg = jwk.Alg, n = jwk.N, e = jwk.E }) + "]}";
            var proof = $"{{\"issuer\":\"https://idp.example\",\"subject\":\"bob\",\"audience\":\"deirf\",\"jwks\":{jwks}}}";
            var key = Signatures.ParsePublicKey(ProofKind.Oidc, proof);
            var now = DateTime.UtcNow;
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "https://idp.example", Audience = "deirf", IssuedAt = now, NotBefore = now, Expires = now.AddHours(1),
                Claims = new Dictionary<string, object> { ["sub"] = "bob", ["nonce"] = DigestOf(Payload) },
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
            });
            double deirf = Rate(() => Check(key, token), 1.0);
            var data = RandomNumberGenerator.GetBytes(300);
            var s = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            double bare = Rate(() => rsa.VerifyData(data, s, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            rows.Add(Row("OIDC id_token (RS256, pinned JWKS)", deirf, $"bare RSA-2048 verify: {bare:F0}/s", deirf / bare));
        }

        // SSH beside `ssh-keygen -Y verify` once per signature.
        if (Which("ssh-keygen") is { } sshKeygen)
        {
            var keyPath = Path.Combine(work, "bench_ed25519");
            Exec(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", keyPath]);
            var payloadPath = Path.Combine(work, "payload.txt");
            File.WriteAllBytes(payloadPath, Payload);
            Exec(sshKeygen, ["-q", "-Y", "sign", "-n", "deirf", "-f", keyPath, payloadPath]);
            var pub = File.ReadAllText(keyPath + ".pub");
            var key = Signatures.ParsePublicKey(ProofKind.Ssh, pub);
            var sig = File.ReadAllText(payloadPath + ".sig");
            double deirf = Rate(() => Check(key, sig));
            var allowed = Path.Combine(work, "allowed_signers");
            File.WriteAllText(allowed, "bench " + pub);
            double peer = ProcessRate(() => Exec(sshKeygen, ["-Y", "verify", "-f", allowed, "-I", "bench", "-n", "deirf", "-s", payloadPath + ".sig"], stdinFile: payloadPath));
            rows.Add(Row("SSH (SSHSIG ed25519)", deirf, $"ssh-keygen -Y verify per signature: {peer:F1}/s", deirf / peer));
        }

        // OpenPGP beside `gpg --verify` once per signature.
        if (Which("gpg") is { } gpg)
        {
            var home = Path.Combine(work, "gnupg");
            Directory.CreateDirectory(home);
            var env = new Dictionary<string, string> { ["GNUPGHOME"] = home };
            Exec(gpg, ["--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Bench <bench@example.org>", "ed25519", "sign", "never"], env: env);
            var payloadPath = Path.Combine(work, "payload.txt");
            File.WriteAllBytes(payloadPath, Payload);
            Exec(gpg, ["--batch", "--quiet", "--yes", "--armor", "--detach-sign", payloadPath], env: env);
            var armored = Exec(gpg, ["--batch", "--armor", "--export", "bench@example.org"], env: env);
            var key = Signatures.ParsePublicKey(ProofKind.OpenPgp, armored);
            var sig = File.ReadAllText(payloadPath + ".asc");
            double deirf = Rate(() => Check(key, sig));
            double peer = ProcessRate(() => Exec(gpg, ["--batch", "--quiet", "--verify", payloadPath + ".asc", payloadPath], env: env));
            rows.Add(Row("OpenPGP (ed25519 detached)", deirf, $"gpg --verify per signature: {peer:F1}/s", deirf / peer));
            Exec("gpgconf", ["--kill", "all"], env: env, allowFailure: true);
        }
        return rows;
    }

    private static void Check(ProofKey key, string signature)
    {
        if (!Signatures.Verify(key, Payload, signature).IsValid)
        {
            throw new InvalidOperationException($"bench signature for {key.Kind} did not verify");
        }
    }

    private static string DigestOf(byte[] payload) => Convert.ToBase64String(SHA256.HashData(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string, string, string, string, string) Row(string kind, double rate, string baseline, double ratio)
        => ($"Signature verification: {kind}", $"{rate:F0}/s (one thread)", baseline, $"{ratio:F2}×", "—");

    /// <summary>Operations per second over about <paramref name="seconds"/> seconds, after a warm-up.</summary>
    private static double Rate(Action op, double seconds = 0.5)
    {
        for (int i = 0; i < 20; i++)
        {
            op();
        }
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            op();
            n++;
        }
        return n / sw.Elapsed.TotalSeconds;
    }

    private static double ProcessRate(Action op)
    {
        op();
        var sw = Stopwatch.StartNew();
        const int runs = 20;
        for (int i = 0; i < runs; i++)
        {
            op();
        }
        return runs / sw.Elapsed.TotalSeconds;
    }

    private static string? Which(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string Exec(string file, string[] args, Dictionary<string, string>? env = null, string? stdinFile = null, bool allowFailure = false)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var kv in env ?? [])
        {
            psi.Environment[kv.Key] = kv.Value;
        }
        using var p = Process.Start(psi)!;
        if (stdinFile is not null)
        {
            p.StandardInput.BaseStream.Write(File.ReadAllBytes(stdinFile));
        }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        }
        return stdout.Result;
    }
}
