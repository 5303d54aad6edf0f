using System.Text;
using System.Text.Json.Nodes;
using DeIRF.Alerts;
using DeIRF.Containment;
using DeIRF.Extensions;
using DeIRF.Identity;
using DeIRF.Integrations;
using DeIRF.Journal.Kinds;
using DeIRF.Testing;
using Xunit;

namespace DeIRF.Core.Tests.Extensions;

/// <summary>
/// The extension catalog against the sample extension, an assembly built outside the engine
/// (tests/extensions/DeIRF.SampleExtension): read from metadata, imported by path, refused when unsafe, and its
/// three extensions used through the engine's own entry points (Signatures, ContainmentProviders, AlertReader).
/// </summary>
public sealed class ExtensionCatalogTests
{
    /// <summary>The sample as built next to this test (same configuration), found from the repository root.</summary>
    private static string SamplePath()
    {
        var config = typeof(ExtensionCatalogTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DeIRF.sln")))
            {
                var path = Path.Combine(dir.FullName, "tests", "extensions", "DeIRF.SampleExtension", "bin", config, "net8.0", "DeIRF.SampleExtension.dll");
                Assert.True(File.Exists(path), $"the sample extension is not built at {path}");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
                }
                return path;
            }
        }
        throw new InvalidOperationException("no DeIRF.sln above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<ExtensionEntry> ImportSample() => ExtensionCatalog.Import(SamplePath());

    [Fact]
    public void Declarations_AreReadFromMetadata_WithoutLoadingTheAssembly()
    {
        var (name, declared, _) = ExtensionCatalog.ReadDeclarations(SamplePath());

        Assert.Equal("DeIRF.SampleExtension", name);
        Assert.Equal(
            [("proof-kind", "Minisign", "DeIRF.SampleExtension.MinisignKind"), ("containment", "sample.file.freeze", "DeIRF.SampleExtension.FileFreezeProvider"),
             ("alert-shape", "uptime-kuma", "DeIRF.SampleExtension.UptimeKumaShape"), ("chat-channel", "Outbox", "DeIRF.SampleExtension.OutboxChannel")],
            declared);
        // The engine's own declarations come the same way (its kinds and shapes are not named by the registries).
        var (_, engine, _) = ExtensionCatalog.ReadDeclarations(typeof(ExtensionCatalog).Assembly.Location);
        Assert.Contains(("proof-kind", "OpenPgp", "DeIRF.Identity.Verifiers.OpenPgpVerifier"), engine);
        Assert.Contains(("alert-shape", "falco", "DeIRF.Alerts.AlertReader+FalcoShape"), engine);
        Assert.Contains(("entry-kind", "role.granted", "DeIRF.Journal.Kinds.RoleGranted"), engine);
        Assert.Contains(("ticket-tracker", "GitHub", "DeIRF.Integrations.GitHubTracker"), engine);
        Assert.Contains(("chat-channel", "Matrix", "DeIRF.Integrations.MatrixChannel"), engine);
    }

    [Fact]
    public void EntryKinds_TrackersAndChannels_AreTheCatalogs_AndEachInstanceServesItsKey()
    {
        var declared = ExtensionCatalog.Of(ExtensionPoints.EntryKind);
        Assert.Equal(37, declared.Count(e => e.BuiltIn)); // issue 25 added task.created, task.updated, handoff.sent, responder.availability
        Assert.Equal(declared.Select(e => e.Key), EntryKinds.Names);
        Assert.All(declared, e => Assert.Equal(e.Key, EntryKinds.Find(e.Key)!.Name));
        Assert.Null(EntryKinds.Find("no.such.kind"));
        Assert.Equal("InvalidStatement", Assert.Throws<InvalidStatementException>(() => EntryKinds.Validate("no.such.kind", new JsonObject())).ErrorId);

        Assert.Equal("github", IntegrationCatalog.Tracker("github").Integration);
        Assert.Equal("GitLab", IntegrationCatalog.Tracker("GITLAB").Name);
        var unknown = Assert.Throws<IntegrationException>(() => IntegrationCatalog.Tracker("jira"));
        Assert.Equal("TrackerUnknown", unknown.ErrorId);
        Assert.Contains("GitHub, GitLab", unknown.Message);
        Assert.Equal("ChatChannelUnknown", Assert.Throws<IntegrationException>(() => IntegrationCatalog.Channel("teams")).ErrorId);
        Assert.Superset(new HashSet<string> { "github", "gitlab", "matrix", "slack", "webhook" }, IntegrationCatalog.IntegrationNames.ToHashSet());
        Assert.Equal("GitHub", IntegrationCatalog.Label("github"));
        Assert.Equal("unheard-of", IntegrationCatalog.Label("unheard-of"));
    }

    [Fact]
    public void SampleChannel_PostsOnce_AndItsIntegrationNameIsOneACallMayJournal()
    {
        ImportSample();
        var channel = IntegrationCatalog.Channel("outbox");
        Assert.Equal("DeIRF.SampleExtension.OutboxChannel", channel.GetType().FullName);
        Assert.Contains("outbox", IntegrationCall.Integrations);
        var body = new JsonObject { ["attempts"] = 1, ["integration"] = "outbox", ["operation"] = "message.send", ["outcome"] = "delivered" };
        EntryKinds.Validate(IntegrationCall.KindName, body);

        var dir = Directory.CreateTempSubdirectory("deirf-outbox-").FullName;
        try
        {
            var ws = Workspaces.Workspace.Initialize(Path.Combine(dir, "ws"));
            var incident = ws.OpenIncident("outbox", "alice");
            var folder = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
            var update = new ChatUpdate(incident, "containment done", null, new Dictionary<string, string> { ["folder"] = folder }, null);
            var post = channel.Prepare(update);
            Assert.Contains(folder, post.Description);
            var http = new OutboundHttp();
            var first = post.Send(http, default);
            var again = channel.Prepare(update).Send(http, default);
            Assert.True(first.Delivered);
            Assert.Equal(first.Reference, again.Reference);
            var file = Assert.Single(Directory.GetFiles(folder));
            Assert.EndsWith("\n\ncontainment done\n", File.ReadAllText(file));
            var missing = Assert.Throws<DeirfException>(() => channel.Prepare(update with { Options = new Dictionary<string, string>() }));
            Assert.Equal("OutboxFolderMissing", missing.ErrorId);
        }
        finally
        {
            DeIRF.Testing.TestArtifacts.Delete(dir);
        }
    }

    [Fact]
    public void Import_IsIdempotent_AndLoadsNothingUntilUsed_ThenTheKindVerifiesAndSignsThroughSignatures()
    {
        var entries = ImportSample();
        Assert.Equal(4, entries.Count);
        Assert.Equal(entries, ImportSample());
        Assert.All(entries, e => Assert.False(e.BuiltIn));

        Assert.True(ProofKind.TryParse("minisign", out var kind));
        Assert.Equal("Minisign", kind.Value.Name);
        Assert.Contains(kind.Value, ProofKinds.Signing);
        Assert.DoesNotContain(kind.Value, ProofKinds.KeyMaking);
        // After every built-in kind, in the catalog's order.
        Assert.Equal(kind.Value, ProofKinds.Available[^1]);

        var (material, publicKey) = NewUnencryptedMinisignKey();
        using (material)
        {
            var payload = Encoding.UTF8.GetBytes("proposal: 3f2a9c0d\n");
            var signature = Signatures.SignerFor(kind.Value).Sign(payload, material);
            Assert.Equal(kind, Signatures.DetectKind(signature));
            var key = Signatures.ParsePublicKey(kind.Value, publicKey);
            Assert.True(Signatures.Verify(key, payload, signature).IsValid);
            Assert.False(Signatures.Verify(key, Encoding.UTF8.GetBytes("proposal: 3f2a9c0e\n"), signature).IsValid);
            // A changed trusted comment breaks the global signature.
            var lines = signature.Split('\n');
            lines[2] += "x";
            var check = Signatures.Verify(key, payload, string.Join('\n', lines));
            Assert.False(check.IsValid);
            Assert.Contains("trusted comment", check.Reason, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void MinisignTool_AndTheSampleKind_VerifyEachOther()
    {
        var minisign = ExternalTool.Require("minisign");
        ImportSample();
        var kind = ProofKind.Parse("Minisign");
        var dir = TestArtifacts.NewDirectory("deirf-minisign-");
        try
        {
            var (code, _, err) = ExternalTool.Run(minisign, ["-G", "-W", "-p", "k.pub", "-s", "k.key"], dir);
            Assert.True(code == 0, err);
            TestArtifacts.RegisterKeyFile("minisign secret key", Path.Combine(dir, "k.key"));
            File.WriteAllText(Path.Combine(dir, "m.txt"), "proposal: 3f2a9c0d\n");
            (code, _, err) = ExternalTool.Run(minisign, ["-S", "-s", "k.key", "-m", "m.txt", "-t", "deirf test"], dir);
            Assert.True(code == 0, err);
            var key = Signatures.ParsePublicKey(kind, File.ReadAllText(Path.Combine(dir, "k.pub")));
            var payload = File.ReadAllBytes(Path.Combine(dir, "m.txt"));
            var fromTool = Signatures.Verify(key, payload, File.ReadAllText(Path.Combine(dir, "m.txt.minisig")));
            Assert.True(fromTool.IsValid, fromTool.Reason);
            Assert.Equal("deirf test", fromTool.Details!["trustedComment"]);

            // DeIRF's signature, checked by minisign itself.
            using var material = PrivateKeyMaterial.FromFile(Path.Combine(dir, "k.key"));
            Assert.Equal(key.Fingerprint, Signatures.ParsePublicKey(kind, Signatures.SignerFor(kind).PublicKeyOf(material)).Fingerprint);
            File.WriteAllText(Path.Combine(dir, "m.txt.minisig"), Signatures.SignerFor(kind).Sign(payload, material));
            (code, var output, err) = ExternalTool.Run(minisign, ["-V", "-p", "k.pub", "-m", "m.txt"], dir);
            Assert.True(code == 0, err + output);
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    [SkippableFact]
    public async Task SampleProvider_IsFoundByAction_AndUndoRefusesAFileChangedSince()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes");
        ImportSample();
        var provider = ContainmentProviders.Find("sample.file.freeze");
        Assert.Contains("sample.file.freeze", ContainmentProviders.KnownActions);
        var dir = TestArtifacts.NewDirectory("deirf-freeze-");
        try
        {
            var path = Path.Combine(dir, "nginx.conf");
            File.WriteAllText(path, "server {}");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
            var request = new ContainmentRequest("sample.file.freeze", path);
            var plan = await provider.PlanAsync(request, default);
            Assert.Equal("0644", plan.Before["mode"]!.GetValue<string>());
            Assert.Equal("0444", plan.Expected["mode"]!.GetValue<string>());
            Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(path)); // plan changed nothing

            var applied = await provider.ApplyAsync(request, default);
            Assert.True(applied.Verified);
            Assert.Equal((UnixFileMode)Convert.ToInt32("444", 8), File.GetUnixFileMode(path));
            Assert.True((await provider.VerifyAsync(request, applied.UndoState, default)).Verified);

            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("400", 8));
            var changed = await Assert.ThrowsAsync<ContainmentException>(() => provider.UndoAsync(request, applied.UndoState, default));
            Assert.Equal("SampleFileFreezeChangedSince", changed.ErrorId);
            Assert.Equal((UnixFileMode)Convert.ToInt32("400", 8), File.GetUnixFileMode(path));

            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("444", 8));
            Assert.True((await provider.UndoAsync(request, applied.UndoState, default)).Verified);
            Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(path));
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    [Fact]
    public void SampleAlertShape_IsTriedBeforeTheGenericFallback_AndNamesTheMemberAtFault()
    {
        ImportSample();
        const string body = """{"heartbeat":{"status":0,"time":"2026-12-07 10:14:03.120","timezoneOffset":"+01:00","msg":"timeout"},"monitor":{"name":"api","url":"https://api.example.test/"}}""";
        var alert = Assert.Single(AlertReader.Read(body));
        Assert.Equal("uptime-kuma", alert.Format);
        Assert.Equal("api is down", alert.Title);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 9, 14, 3, 120, TimeSpan.Zero), alert.EventTime);
        Assert.Contains(AlertReader.Shapes(), s => s.Format == "uptime-kuma");

        var bad = Assert.Throws<AlertInvalidException>(() => AlertReader.Read(body.Replace("\"status\":0", "\"status\":\"down\"")));
        Assert.Equal("heartbeat.status", bad.Field);
        // Alertmanager and generic alerts still read as before.
        Assert.Equal("generic", Assert.Single(AlertReader.Read("""{"title":"disk full","time":"2026-12-07T09:00:00Z"}""")).Format);
    }

    [Fact]
    public void Import_Refuses_AMissingFile_AFileOthersMayChange_ANonAssembly_AnAssemblyWithoutDeclarations_AndTakesACopyOfTheSameBuildAsTheSameImport()
    {
        var dir = TestArtifacts.NewDirectory("deirf-ext-");
        try
        {
            Assert.Equal("ExtensionNotFound", Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(Path.Combine(dir, "none.dll"))).ErrorId);

            var text = Path.Combine(dir, "notes.dll");
            File.WriteAllText(text, "not a PE file");
            Restrict(text);
            Assert.Equal("ExtensionInvalid", Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(text)).ErrorId);

            // xunit.assert declares nothing for DeIRF.
            var plain = Path.Combine(dir, "xunit.assert.dll");
            File.Copy(typeof(Assert).Assembly.Location, plain);
            Restrict(plain);
            Assert.Equal("ExtensionInvalid", Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(plain)).ErrorId);

            // The same build through another path is the same import; nothing is added twice.
            var first = ImportSample();
            var copy = Path.Combine(dir, "DeIRF.SampleExtension.dll");
            File.Copy(SamplePath(), copy);
            Restrict(copy);
            Assert.Equal(first, ExtensionCatalog.Import(copy));
            Assert.DoesNotContain(ExtensionCatalog.Entries, e => e.Path == copy);

            if (!OperatingSystem.IsWindows())
            {
                var open = Path.Combine(dir, "open", "DeIRF.SampleExtension.dll");
                Directory.CreateDirectory(Path.GetDirectoryName(open)!);
                File.Copy(SamplePath(), open);
                File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("666", 8));
                var tooOpen = Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(open));
                Assert.Equal("ExtensionFileTooOpen", tooOpen.ErrorId);
                Assert.Equal(DeirfErrorKind.SecurityError, tooOpen.Kind);
            }
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    [Fact]
    public void AKindThisMachineLacks_IsRefusedByTheRoster_AndNeverVerifies()
    {
        Assert.False(ProofKind.TryParse("Lens", out _));
        Assert.True(ProofKind.TryFromName("Lens", out var lens));
        var ex = Assert.Throws<InvalidProofException>(() => Signatures.ParsePublicKey(lens, "anything"));
        Assert.Contains("not available on this machine", ex.Reason, StringComparison.Ordinal);
        Assert.False(ProofKind.TryFromName("no such kind", out _));
    }

    [Fact]
    public void ProofKind_IsWrittenByName_AndANumberTheEnumWroteIsStillRead()
    {
        Assert.Equal("\"DidKey\"", System.Text.Json.JsonSerializer.Serialize(ProofKind.DidKey));
        Assert.Equal(ProofKind.DidKey, System.Text.Json.JsonSerializer.Deserialize<ProofKind>("3"));
        Assert.Equal(ProofKind.Oidc, System.Text.Json.JsonSerializer.Deserialize<ProofKind>("\"Oidc\""));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<ProofKind>("6"));
        // Sorted in the catalog's order, as the enum was.
        Assert.Equal([ProofKind.OpenPgp, ProofKind.Ssh, ProofKind.DidKey], new[] { ProofKind.DidKey, ProofKind.Ssh, ProofKind.OpenPgp }.Order().ToArray());
    }

    [Fact]
    public void WhatLoads_IsTheBytesReadAtImport_NotTheFileAsItIsLater()
    {
        var entries = ImportSample();
        Assert.All(entries, e => Assert.NotNull(e.Image));
        // Loaded from those bytes (an assembly loaded from a stream has no file location): replacing or deleting the
        // file after the import changes nothing that runs.
        var type = ExtensionCatalog.Find(ExtensionPoints.Containment, "sample.file.freeze")!.LoadType();
        Assert.Equal(string.Empty, type.Assembly.Location);
    }

    [SkippableFact]
    public void Import_Refuses_AFileInAFolderOthersMayWrite_AndALinkToOne()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes");
        var dir = TestArtifacts.NewDirectory("deirf-ext-open-");
        try
        {
            // Others may write the folder (no sticky bit): they could swap the file between two sessions.
            var open = Path.Combine(dir, "shared");
            Directory.CreateDirectory(open);
            File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("777", 8));
            var inOpen = Path.Combine(open, "DeIRF.SampleExtension.dll");
            File.Copy(SamplePath(), inOpen);
            Restrict(inOpen);
            var ex = Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(inOpen));
            Assert.Equal("ExtensionFileTooOpen", ex.ErrorId);
            Assert.Equal(inOpen, ex.Target);

            // A link from a safe folder is followed to what it names: the same refusal.
            var safe = Path.Combine(dir, "mine");
            Directory.CreateDirectory(safe);
            File.SetUnixFileMode(safe, (UnixFileMode)Convert.ToInt32("755", 8));
            var link = Path.Combine(safe, "DeIRF.SampleExtension.dll");
            File.CreateSymbolicLink(link, inOpen);
            Assert.Equal("ExtensionFileTooOpen", Assert.Throws<ExtensionException>(() => ExtensionCatalog.Import(link)).ErrorId);
            Assert.DoesNotContain(ExtensionCatalog.Entries, e => e.Path == link || e.Path == inOpen);
        }
        finally
        {
            TestArtifacts.Delete(dir);
        }
    }

    private static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
        }
    }

    /// <summary>An unencrypted minisign secret key (the layout `minisign -G -W` writes) made now, and its public key line.</summary>
    private static (PrivateKeyMaterial Key, string PublicKey) NewUnencryptedMinisignKey()
    {
        var seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var pk = new byte[32];
        Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.GeneratePublicKey(seed, 0, pk, 0);
        var keyId = System.Security.Cryptography.RandomNumberGenerator.GetBytes(8);
        var raw = new byte[158];
        "Ed"u8.CopyTo(raw);
        "B2"u8.CopyTo(raw.AsSpan(4));
        keyId.CopyTo(raw, 54);
        seed.CopyTo(raw, 62);
        pk.CopyTo(raw, 94);
        var text = "untrusted comment: minisign encrypted secret key\n" + Convert.ToBase64String(raw) + "\n";
        TestArtifacts.RegisterKeyText("minisign secret key", text);
        var pub = new byte[42];
        "Ed"u8.CopyTo(pub);
        keyId.CopyTo(pub, 2);
        pk.CopyTo(pub, 10);
        return (new PrivateKeyMaterial(Encoding.UTF8.GetBytes(text)), Convert.ToBase64String(pub));
    }
}
