using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeIRF.Evidence;
using DeIRF.Journal;
using DeIRF.Journal.Kinds;
using Xunit;

namespace DeIRF.Core.Tests.Evidence;

/// <summary>The write-once store: content-addressed, stored once, never overwritten, nothing half-written left behind.</summary>
public sealed class EvidenceStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deirf-evidence-").FullName;

    public void Dispose()
    {
        try
        {
            DeIRF.Testing.TestArtifacts.Delete(_dir);
        }
        catch (IOException)
        {
        }
    }

    private LocalEvidenceStore NewStore() => new(Path.Combine(_dir, "evidence"));

    private static byte[] RandomBytes(int n) => RandomNumberGenerator.GetBytes(n);

    private static string Sha256Hex(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    private static string[] ObjectFiles(LocalEvidenceStore store)
        => Directory.Exists(store.ObjectsDirectory)
            ? Directory.GetFiles(store.ObjectsDirectory, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".incoming")).ToArray()
            : [];

    private static string[] IncomingFiles(LocalEvidenceStore store)
        => Directory.Exists(store.IncomingDirectory) ? Directory.GetFiles(store.IncomingDirectory) : [];

    [Fact]
    public void SweepIncoming_RemovesOnlyAbandonedPartials_NeverALiveWriterOrAnObject()
    {
        var store = NewStore();
        var stored = store.Put(new MemoryStream(RandomBytes(1000)));
        Directory.CreateDirectory(store.IncomingDirectory);
        string Partial(string name, TimeSpan age)
        {
            var path = Path.Combine(store.IncomingDirectory, name + ".partial");
            File.WriteAllBytes(path, RandomBytes(100));
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
            return path;
        }
        var abandoned = Partial("abandoned", TimeSpan.FromHours(2));   // a writer SIGKILLed mid-copy two hours ago
        var fresh = Partial("fresh", TimeSpan.FromSeconds(5));         // too young to judge
        var live = Partial("live", TimeSpan.FromHours(3));             // old, but a writer still holds it
        var other = Path.Combine(store.IncomingDirectory, "notes.txt");
        File.WriteAllText(other, "not ours");
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow - TimeSpan.FromHours(5));
        using (new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            var removed = store.SweepIncoming(LocalEvidenceStore.AbandonedAfter);
            Assert.Equal([abandoned], removed);
        }
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
        Assert.True(store.Exists(stored.Sha256));
        Assert.True(store.Verify(stored.Sha256, stored.Size).IsValid);
        // Once the writer is gone, the next sweep takes it.
        Assert.Equal([live], store.SweepIncoming(LocalEvidenceStore.AbandonedAfter));
    }

    [Fact]
    public void Put_StoresUnderSha256Path_WithTheHashOfTheBytes()
    {
        var store = NewStore();
        var data = RandomBytes(3 * 1024 * 1024 + 17); // several chunks and a ragged end
        var stored = store.Put(new MemoryStream(data), new EvidencePutOptions { ExpectedSize = data.Length });
        var hex = Sha256Hex(data);
        Assert.Equal(hex, stored.Sha256);
        Assert.Equal(data.Length, stored.Size);
        Assert.False(stored.AlreadyStored);
        Assert.Equal(Path.Combine(store.Root, "sha256", hex[..2], hex), stored.StoredPath);
        Assert.Equal(data, File.ReadAllBytes(stored.StoredPath));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Put_SameContentTwice_StoresOnce()
    {
        var store = NewStore();
        var data = RandomBytes(100_000);
        var first = store.Put(new MemoryStream(data));
        var second = store.Put(new MemoryStream(data));
        Assert.False(first.AlreadyStored);
        Assert.True(second.AlreadyStored);
        Assert.Equal(first.StoredPath, second.StoredPath);
        Assert.Single(ObjectFiles(store));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Put_NeverOverwritesAnExistingObject()
    {
        var store = NewStore();
        var data = RandomBytes(4096);
        var stored = store.Put(new MemoryStream(data));
        var before = File.GetLastWriteTimeUtc(stored.StoredPath);
        var inode = new FileInfo(stored.StoredPath).Length;
        Thread.Sleep(20);
        var again = store.Put(new MemoryStream(data));
        Assert.True(again.AlreadyStored);
        Assert.Equal(before, File.GetLastWriteTimeUtc(stored.StoredPath));
        Assert.Equal(data, File.ReadAllBytes(stored.StoredPath));
        Assert.Equal(inode, new FileInfo(stored.StoredPath).Length);
    }

    [Fact]
    public void Put_AnObjectAlteredOnDiskIsLeftAlone_AndReported()
    {
        var store = NewStore();
        var data = RandomBytes(4096);
        var stored = store.Put(new MemoryStream(data));
        MakeWritable(stored.StoredPath);
        File.WriteAllBytes(stored.StoredPath, [1, 2, 3]);
        var ex = Assert.Throws<DeirfException>(() => store.Put(new MemoryStream(data)));
        Assert.Equal("EvidenceStoreDamaged", ex.ErrorId);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(stored.StoredPath));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Put_MakesTheObjectReadOnly()
    {
        var store = NewStore();
        var stored = store.Put(new MemoryStream(RandomBytes(1000)));
        if (OperatingSystem.IsWindows())
        {
            Assert.True(File.GetAttributes(stored.StoredPath).HasFlag(FileAttributes.ReadOnly));
        }
        else
        {
            // Issue "No one acts alone" attack 5: a 0600 dump was stored 0444 in 0755 folders.
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(stored.StoredPath));
            const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.Equal(Private, File.GetUnixFileMode(Path.GetDirectoryName(stored.StoredPath)!));
            Assert.Equal(Private, File.GetUnixFileMode(store.ObjectsDirectory));
            Assert.Equal(Private, File.GetUnixFileMode(store.IncomingDirectory));
        }
    }

    [Fact]
    public void Put_FailureMidCopy_LeavesNoObjectAndNoTemporaryFile()
    {
        var store = NewStore();
        var data = RandomBytes(5 * 1024 * 1024);
        var source = new FailingStream(new MemoryStream(data), failAfter: 2 * 1024 * 1024 + 100);
        var ex = Assert.Throws<DeirfException>(() => store.Put(source, new EvidencePutOptions { SourceName = "/var/log/pod.log", ExpectedSize = data.Length }));
        Assert.Equal("EvidenceUnreadable", ex.ErrorId);
        Assert.Equal("/var/log/pod.log", ex.Target);
        Assert.Contains("/var/log/pod.log", ex.Message);
        Assert.Empty(ObjectFiles(store));
        Assert.Empty(IncomingFiles(store));
        Assert.False(store.Exists(Sha256Hex(data)));
    }

    [Fact]
    public void Put_Cancelled_LeavesNoObjectAndNoTemporaryFile()
    {
        var store = NewStore();
        using var cts = new CancellationTokenSource();
        var data = RandomBytes(8 * 1024 * 1024);
        Assert.ThrowsAny<OperationCanceledException>(() => store.Put(new MemoryStream(data), new EvidencePutOptions
        {
            CancellationToken = cts.Token,
            Progress = done => { if (done >= 3 * 1024 * 1024) { cts.Cancel(); } },
        }));
        Assert.Empty(ObjectFiles(store));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Put_EmptyContent_IsRefusedUnlessAllowed()
    {
        var store = NewStore();
        var ex = Assert.Throws<DeirfException>(() => store.Put(new MemoryStream(), new EvidencePutOptions { SourceName = "empty.log" }));
        Assert.Equal("EvidenceEmpty", ex.ErrorId);
        Assert.Empty(ObjectFiles(store));
        Assert.Empty(IncomingFiles(store));
        var allowed = store.Put(new MemoryStream(), new EvidencePutOptions { AllowEmpty = true });
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", allowed.Sha256);
        Assert.Equal(0, allowed.Size);
    }

    [Fact]
    public void Put_SourceThatChangesSize_IsRefused()
    {
        var store = NewStore();
        var ex = Assert.Throws<DeirfException>(() => store.Put(new MemoryStream(RandomBytes(1000)), new EvidencePutOptions { ExpectedSize = 999 }));
        Assert.Equal("EvidenceChangedDuringCapture", ex.ErrorId);
        Assert.Empty(ObjectFiles(store));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Put_ConcurrentPutsOfTheSameContent_MakeOneObject()
    {
        var store = NewStore();
        var data = RandomBytes(3 * 1024 * 1024);
        const int threads = 8;
        using var start = new Barrier(threads);
        var results = new StoredEvidence[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = store.Put(new MemoryStream(data));
        })).ToArray();
        foreach (var w in workers)
        {
            w.Start();
        }
        foreach (var w in workers)
        {
            w.Join();
        }
        Assert.Single(ObjectFiles(store));
        Assert.Equal(1, results.Count(r => !r.AlreadyStored));
        Assert.All(results, r => Assert.Equal(Sha256Hex(data), r.Sha256));
        Assert.Equal(data, File.ReadAllBytes(results[0].StoredPath));
        Assert.Empty(IncomingFiles(store));
    }

    [Fact]
    public void Verify_ReportsChangedVanishedAndSizeDiffers()
    {
        var store = NewStore();
        var a = store.Put(new MemoryStream(RandomBytes(2000)));
        var b = store.Put(new MemoryStream(RandomBytes(2000)));
        var c = store.Put(new MemoryStream(RandomBytes(2000)));
        var d = store.Put(new MemoryStream(RandomBytes(2000)));
        Assert.True(store.Verify(a.Sha256, a.Size).IsValid);

        MakeWritable(b.StoredPath);
        using (var fs = new FileStream(b.StoredPath, FileMode.Open, FileAccess.Write))
        {
            fs.WriteByte(0x42); // same size, one byte changed
        }
        File.Delete(c.StoredPath);
        MakeWritable(d.StoredPath);
        File.AppendAllText(d.StoredPath, "x");

        var vb = store.Verify(b.Sha256, b.Size);
        Assert.Equal(EvidenceFault.Changed, vb.Fault);
        Assert.NotEqual(b.Sha256, vb.ActualSha256);
        Assert.Equal(EvidenceFault.Vanished, store.Verify(c.Sha256, c.Size).Fault);
        Assert.Equal(EvidenceFault.SizeDiffers, store.Verify(d.Sha256, d.Size).Fault);
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("e3b0")]
    public void HashesThatAreNotSha256Hex_AreRefused(string hash)
    {
        var ex = Assert.Throws<DeirfException>(() => NewStore().LocationOf(hash));
        Assert.Equal("EvidenceHashInvalid", ex.ErrorId);
    }

    [Fact]
    public void Capture_FolderInOrder_OneCustodyEntryPerFile_EmptyAndMissingRefused()
    {
        var src = Path.Combine(_dir, "src");
        Directory.CreateDirectory(Path.Combine(src, "b"));
        Directory.CreateDirectory(Path.Combine(src, "a"));
        File.WriteAllBytes(Path.Combine(src, "b", "z.log"), RandomBytes(10));
        File.WriteAllBytes(Path.Combine(src, "a", "y.log"), RandomBytes(20));
        File.WriteAllBytes(Path.Combine(src, ".hidden"), RandomBytes(30));
        File.WriteAllBytes(Path.Combine(src, "empty.log"), []);
        var journal = new JournalFile(Path.Combine(_dir, "journal.jsonl"));
        journal.CreateGenesis("ws-test", "INC-20260101-EVID", new StatementDraft(IncidentOpened.KindName, "alice",
            new JsonObject { ["drill"] = false, ["reporter"] = "alice", ["tags"] = new JsonArray(), ["title"] = "evidence" }));
        var capture = new EvidenceCapture(journal, NewStore());

        var files = EvidenceCapture.Expand(src);
        Assert.Equal([".hidden", "a/y.log", "b/z.log", "empty.log"],
            files.Select(f => Path.GetRelativePath(src, f.FullPath).Replace('\\', '/')).ToArray());

        var captured = new List<EvidenceItem>();
        var errors = new List<string>();
        foreach (var f in files)
        {
            try
            {
                captured.Add(capture.Capture(f, "prod/api-7f9", "alice"));
            }
            catch (DeirfException ex)
            {
                errors.Add(ex.ErrorId + " " + ex.Target);
            }
        }
        Assert.Equal(["EvidenceEmpty " + Path.Combine(src, "empty.log")], errors);
        Assert.Equal(3, captured.Count);
        var entries = journal.ReadEntries().Where(e => e.Kind == EvidenceAdded.KindName).ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal("prod/api-7f9", entries[0].Body["target"]);
        Assert.Equal("alice", entries[0].Body["collector"]);
        Assert.Equal("sha256:" + Sha256Hex(File.ReadAllBytes(Path.Combine(src, ".hidden"))), entries[0].Body["hash"]);
        Assert.True(journal.Verify().IsValid);
        Assert.All(capture.Test(), v => Assert.True(v.IsValid));
        Assert.True(capture.HasEvidenceFor("prod/api-7f9"));
        Assert.False(capture.HasEvidenceFor("prod/api-7f"));

        var missing = Assert.Throws<DeirfException>(() => capture.Capture(new EvidenceFile(Path.Combine(src, "nope"), 0), null, "alice"));
        Assert.Equal("EvidenceNotFound", missing.ErrorId);
        Assert.Equal(4, journal.ReadEntries().Count());
    }

    [SkippableFact]
    public void Capture_Fifo_IsRefusedInsteadOfHanging()
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs are a Unix thing");
        var fifo = Path.Combine(_dir, "pipe");
        using (var p = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            p.WaitForExit();
        }
        var journal = new JournalFile(Path.Combine(_dir, "journal.jsonl"));
        journal.CreateGenesis("ws-test", "INC-20260101-FIFO", new StatementDraft(IncidentOpened.KindName, "alice",
            new JsonObject { ["drill"] = false, ["reporter"] = "alice", ["tags"] = new JsonArray(), ["title"] = "fifo" }));
        var capture = new EvidenceCapture(journal, NewStore());
        var task = Task.Run(() => capture.Capture(new EvidenceFile(fifo, 0), null, "alice"));
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)), "capturing a FIFO must not wait for a writer");
        var ex = Assert.IsType<DeirfException>(task.Exception!.InnerException);
        Assert.Equal("EvidenceUnreadable", ex.ErrorId);
        Assert.Equal(fifo, ex.Target);
        Assert.Single(journal.ReadEntries());
    }

    private static void MakeWritable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>A source that fails after N bytes, like a disk error or a vanished network share mid-copy.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= failAfter)
            {
                throw new IOException("Input/output error (injected)");
            }
            int n = inner.Read(buffer, offset, (int)Math.Min(count, failAfter - _read));
            _read += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
