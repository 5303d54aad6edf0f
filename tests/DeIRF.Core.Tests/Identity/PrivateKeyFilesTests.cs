using System.Text;
using DeIRF.Identity;
using DeIRF.Testing;
using Xunit;

namespace DeIRF.Core.Tests.Identity;

/// <summary>Issue 19 finding 10: private key files are written 0600 and a key others may read is never used.</summary>
public sealed class PrivateKeyFilesTests : IDisposable
{
    private readonly string _dir = TestArtifacts.NewDirectory("deirf-keymode-");

    public void Dispose() => TestArtifacts.Delete(_dir);

    [SkippableFact]
    public void Write_creates_the_file_owner_only_and_never_over_an_existing_one()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes");
        var path = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, "a.seed"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var before = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => PrivateKeyFiles.Write(path, Encoding.ASCII.GetBytes("00")));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [SkippableTheory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherExecute)]
    public void A_key_file_anyone_else_may_use_is_refused_before_it_is_read(UnixFileMode extra)
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes");
        var path = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, $"open-{(int)extra}.seed"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        var ex = Assert.Throws<DeirfException>(() => PrivateKeyMaterial.FromFile(path));
        Assert.Equal("PrivateKeyFileTooOpen", ex.ErrorId);
        Assert.Equal(DeirfErrorKind.SecurityError, ex.Kind);
        Assert.Equal(path, ex.Target);
        Assert.Contains($"chmod 600 '{path}'", ex.Message);
        Assert.DoesNotContain(File.ReadAllText(path).Trim(), ex.Message);
    }

    [SkippableFact]
    public void Owner_only_modes_are_read_and_the_key_signs()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes");
        var path = TestKeys.WriteNew(ProofKind.Ethereum, Path.Combine(_dir, "b.eth"));
        foreach (var mode in new[] { UnixFileMode.UserRead | UnixFileMode.UserWrite, UnixFileMode.UserRead })
        {
            File.SetUnixFileMode(path, mode);
            using var key = PrivateKeyMaterial.FromFile(path);
            Assert.NotEmpty(Signatures.SignerFor(ProofKind.Ethereum).Sign("payload"u8, key));
        }
    }

    [SkippableFact]
    public void A_symlink_is_judged_by_the_file_it_points_to()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix modes");
        var target = TestKeys.WriteNew(ProofKind.DidKey, Path.Combine(_dir, "real.seed"));
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var link = Path.Combine(_dir, "link.seed");
        File.CreateSymbolicLink(link, target);
        // The link itself is 0777 on Linux; what matters is the key's own mode, read through the open handle.
        Assert.Equal("PrivateKeyFileTooOpen", Assert.Throws<DeirfException>(() => PrivateKeyMaterial.FromFile(link)).ErrorId);
        File.SetUnixFileMode(target, UnixFileMode.UserRead);
        using var key = PrivateKeyMaterial.FromFile(link);
        Assert.NotEmpty(key.KeyBytes);
    }
}
