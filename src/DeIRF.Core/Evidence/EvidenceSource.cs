namespace DeIRF.Evidence;

/// <summary>
/// Reading a capture source and the refusals every store makes the same way (LocalEvidenceStore, S3EvidenceStore):
/// one place for the read loop and for the EvidenceUnreadable / EvidenceEmpty / EvidenceChangedDuringCapture texts.
/// </summary>
public static class EvidenceSource
{
    /// <summary>Fills <paramref name="count"/> bytes unless the source ends (fewer, larger hash calls); read failures name the source.</summary>
    public static int ReadFull(Stream source, byte[] buffer, int count, string name, string? target)
    {
        int total = 0;
        try
        {
            while (total < count)
            {
                int n = source.Read(buffer, total, count - total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DeirfException("EvidenceUnreadable", DeirfErrorKind.ResourceUnavailable,
                $"Could not read '{name}': {ex.Message.TrimEnd('.')}. Nothing was stored for it.", target, ex);
        }
        return total;
    }

    public static DeirfException Empty(string name, string? target)
        => new("EvidenceEmpty", DeirfErrorKind.InvalidData,
            $"'{name}' is empty (0 bytes): nothing was stored. An empty capture is usually a failed copy; use -AllowEmpty if the file really is empty.", target);

    /// <summary><paramref name="how"/>: e.g. "it had 10 bytes, 12 were read".</summary>
    public static DeirfException ChangedDuringCapture(string name, string? target, string how)
        => new("EvidenceChangedDuringCapture", DeirfErrorKind.InvalidData,
            $"'{name}' changed while it was captured ({how}): nothing was stored. Capture it again once it is quiet, or copy it first.", target);
}
