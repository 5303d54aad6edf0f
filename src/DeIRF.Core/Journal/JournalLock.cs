namespace DeIRF.Journal;

/// <summary>
/// An OS-level exclusive lock on a side file (<c>journal.jsonl.lock</c>). FileShare.None maps to flock on Unix and to
/// a share-mode lock on Windows, so it holds across processes; the file is never deleted (deleting races).
/// </summary>
internal sealed class JournalLock : IDisposable
{
    private readonly FileStream _stream;

    private JournalLock(FileStream stream) => _stream = stream;

    public static JournalLock Acquire(string lockPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        int delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new JournalLock(fs);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Held by another writer: back off with jitter so contending processes do not march in step.
                Thread.Sleep(Random.Shared.Next(delayMs, delayMs * 2 + 1));
                delayMs = Math.Min(delayMs * 2, 20);
            }
            catch (IOException)
            {
                throw new JournalLockTimeoutException(lockPath, timeout);
            }
            catch (UnauthorizedAccessException) when (DateTime.UtcNow < deadline)
            {
                // Windows reports a held share lock this way in some cases.
                Thread.Sleep(delayMs);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
