using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeIRF.Journal;

namespace DeIRF.Sync;

/// <summary>What merging one journal gave: the merged bytes and what happened to the entries.</summary>
/// <remarks><paramref name="Common"/>: entries both copies held alike; everything after them is new to one side.</remarks>
public sealed record JournalMergeOutcome(byte[] Merged, HeadRecord? MergedHead, long Received, long Relinked, long Duplicates, SyncRefusal? Refusal, long Common = 0);

/// <summary>
/// Merges one journal: the remote copy (already verified) is taken as it is, and this replica's entries that the
/// remote lacks are re-linked after it — the statement and its signatures are copied byte for byte, only seq, prev
/// and hash are new. An entry whose statement the remote already holds is dropped (not duplicated). A remote that
/// does not extend the head this replica last accepted from it is refused, never merged.
/// </summary>
public static class JournalMerge
{
    public static JournalMergeOutcome Merge(string journal, JournalCopy local, JournalCopy remote, HeadRecord? trusted)
    {
        // The remote must still hold, at the trusted position, exactly the entry accepted there.
        if (trusted is not null)
        {
            if (remote.Count <= trusted.Seq || remote.Hash((int)trusted.Seq) != trusted.Hash)
            {
                // Name the first position where the remote departs from this replica's own (accepted) history.
                long seq = trusted.Seq;
                for (int i = 0; i <= trusted.Seq && i < local.Count; i++)
                {
                    if (i >= remote.Count || local.Hash(i) != remote.Hash(i))
                    {
                        seq = i;
                        break;
                    }
                }
                string? localHash = seq < local.Count ? local.Hash((int)seq) : seq == trusted.Seq ? trusted.Hash : null;
                string? remoteHash = seq < remote.Count ? remote.Hash((int)seq) : null;
                return Refused(new SyncRefusal(remote.Count <= trusted.Seq ? "SyncRemoteTruncated" : "SyncRemoteRewritten", journal, seq, localHash, remoteHash,
                    remote.Count <= trusted.Seq
                        ? $"the remote journal ends at seq {remote.Count - 1}, but this replica accepted seq {trusted.Seq} ({trusted.Hash}) from it: entries were cut"
                        : $"the remote rewrote or forked history this replica had accepted (trusted head seq {trusted.Seq} {trusted.Hash}); first difference at seq {seq}"));
            }
        }
        int common = 0;
        while (common < local.Count && common < remote.Count && local.Hash(common) == remote.Hash(common))
        {
            common++;
        }
        if (trusted is not null && common <= trusted.Seq && local.Count > common)
        {
            return Refused(new SyncRefusal("SyncLocalDiverged", journal, common, local.Hash(common), remote.Hash(common),
                $"this replica's journal differs at seq {common} from history it accepted earlier (trusted head seq {trusted.Seq}): it was changed locally"));
        }
        if (common == 0 && local.Count > 0 && remote.Count > 0)
        {
            return Refused(new SyncRefusal("SyncGenesisDiffers", journal, 0, local.Hash(0), remote.Hash(0),
                "the two copies start with different genesis entries: they are different journals under one name"));
        }
        if (local.Count == common)
        {
            // Nothing unpushed here: take the remote as it is (a fast-forward, or nothing at all).
            return new JournalMergeOutcome(remote.Bytes, remote.Head, remote.Count - common, 0, 0, null, common);
        }
        if (common == remote.Count)
        {
            // The remote is a prefix of this copy: the rest is this replica's to push, already linked.
            return new JournalMergeOutcome(local.Bytes, local.Head, 0, 0, 0, null, common);
        }
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (int i = common; i < remote.Count; i++)
        {
            known.Add(Digest(remote.Statement(i)));
        }
        using var merged = new MemoryStream(remote.Bytes.Length + (local.Bytes.Length - LengthOf(local, common)) + 256);
        merged.Write(remote.Bytes);
        long seq2 = remote.Count - 1;
        string prev = remote.Hash(remote.Count - 1);
        long relinked = 0, duplicates = 0;
        for (int i = common; i < local.Count; i++)
        {
            if (!known.Add(Digest(local.Statement(i))))
            {
                duplicates++;
                continue;
            }
            seq2++;
            var line = Relink(local.Statement(i), local.SignatureArray(i), seq2, prev, out prev);
            merged.Write(line);
            merged.WriteByte((byte)'\n');
            relinked++;
        }
        return new JournalMergeOutcome(merged.ToArray(), new HeadRecord(seq2, prev), remote.Count - common, relinked, duplicates, null, common);
    }

    private static JournalMergeOutcome Refused(SyncRefusal refusal) => new([], null, 0, 0, 0, refusal);

    private static int LengthOf(JournalCopy copy, int lines)
    {
        int n = 0;
        for (int i = 0; i < lines; i++)
        {
            n += copy.Line(i).Length + 1;
        }
        return n;
    }

    private static string Digest(ReadOnlySpan<byte> statement) => Convert.ToHexString(SHA256.HashData(statement));

    /// <summary>
    /// The canonical line of an existing statement and its signatures at a new position. Canonical key order is
    /// hash, prev, seq, sigs, stmt; statement and signature bytes are already canonical and are copied unchanged.
    /// </summary>
    public static byte[] Relink(ReadOnlySpan<byte> statement, ReadOnlySpan<byte> signatures, long seq, string prev, out string hash)
    {
        var head = Encoding.ASCII.GetBytes("{\"prev\":\"" + prev + "\",\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + ",\"sigs\":");
        var mid = ",\"stmt\":"u8;
        var unhashed = new byte[head.Length + signatures.Length + mid.Length + statement.Length + 1];
        var span = unhashed.AsSpan();
        head.CopyTo(span);
        signatures.CopyTo(span[head.Length..]);
        mid.CopyTo(span[(head.Length + signatures.Length)..]);
        statement.CopyTo(span[(head.Length + signatures.Length + mid.Length)..]);
        unhashed[^1] = (byte)'}';
        var line = JournalFile.WithHash(unhashed, out hash);
        var fault = JournalLine.TryParse(line, out _, out var reason);
        if (fault != JournalFault.None)
        {
            throw new InvalidOperationException($"re-linked line is not canonical ({fault}: {reason})");
        }
        return line;
    }
}
