using System.Globalization;
using System.Text;

namespace DeIRF.Checkpoints;

/// <summary>
/// C2SP tlog-witness (c2sp.org/tlog-witness) add-checkpoint: the request body ("old &lt;size&gt;", up to 63
/// consistency-proof lines, an empty line, the checkpoint) and the witness's side of the exchange. The witness keeps
/// its state in a <see cref="WitnessBook"/> (the old-size check and the write happen under the state's lock, through
/// <see cref="WitnessBook.Cosign"/>), trusts logs by origin and verifier keys, and cosigns with cosignature/v1.
/// </summary>
public static class WitnessProtocol
{
    public const int MaxProofLines = 63;
    public const string SizeContentType = "text/x.tlog.size";

    /// <summary>The body of a request for a cosignature of <paramref name="checkpoint"/> from <paramref name="oldSize"/>.</summary>
    public static byte[] FormatRequest(long oldSize, IReadOnlyList<byte[]> proof, Checkpoint checkpoint)
    {
        if (oldSize < 0 || oldSize > checkpoint.Size || proof.Count > MaxProofLines || (oldSize == 0 && proof.Count > 0))
        {
            throw new ArgumentException("old size and proof do not fit the checkpoint", nameof(oldSize));
        }
        var sb = new StringBuilder("old ").Append(oldSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in proof)
        {
            sb.Append(Convert.ToBase64String(hash)).Append('\n');
        }
        sb.Append('\n').Append(checkpoint.Text);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads a request body; null and the reason when it is not one (a 400).</summary>
    public static (long OldSize, IReadOnlyList<byte[]> Proof, Checkpoint Checkpoint)? ParseRequest(byte[] body, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            problem = "the body is not UTF-8";
            return null;
        }
        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            problem = "no empty line before the checkpoint";
            return null;
        }
        var head = text[..blank].Split('\n');
        if (!head[0].StartsWith("old ", StringComparison.Ordinal) || !TryParseSize(head[0][4..], out var oldSize))
        {
            problem = "the first line is not 'old <size>' (ASCII decimal, no leading zeroes)";
            return null;
        }
        if (head.Length - 1 > MaxProofLines)
        {
            problem = $"more than {MaxProofLines} consistency proof lines";
            return null;
        }
        var proof = new List<byte[]>();
        foreach (var line in head[1..])
        {
            try
            {
                proof.Add(Checkpoint.DecodeHash(line, "a consistency proof line"));
            }
            catch (CheckpointException ex)
            {
                problem = ex.Message;
                return null;
            }
        }
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(text[(blank + 2)..]);
        }
        catch (CheckpointException ex)
        {
            problem = ex.Message;
            return null;
        }
        return (oldSize, proof, checkpoint);
    }

    private static bool TryParseSize(string text, out long size)
    {
        size = 0;
        return text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    /// <summary>Reads the body of a 409 answer: the witness's latest cosigned size and a newline.</summary>
    public static bool TryParseSizeAnswer(string body, out long size)
    {
        size = 0;
        return body.EndsWith('\n') && TryParseSize(body[..^1], out size);
    }
}

/// <summary>What a witness answers one add-checkpoint request with.</summary>
public sealed record WitnessAnswer(int Status, string ContentType, string Body, string? Reason = null);

/// <summary>
/// The witness side of tlog-witness over a <see cref="WitnessBook"/>: the logs it trusts (origin → verifier keys) and
/// the key it cosigns with. <see cref="Handle"/> applies the spec's checks in its order: 400 malformed, 404 unknown
/// origin, 403 no trusted signature, 400 old size above the checkpoint's, 409 old size not the latest cosigned (body:
/// that size, text/x.tlog.size), 400 a proof from size 0, 422 a proof that does not verify, 409 the same size with
/// another root; then 200 and the cosignature line.
/// </summary>
public sealed class WitnessService(WitnessBook book, CheckpointSigner signer, IReadOnlyDictionary<string, IReadOnlyList<NoteVerifierKey>> logs, TimeProvider? clock = null)
{
    public WitnessBook Book { get; } = book;

    public WitnessAnswer Handle(byte[] body)
    {
        if (WitnessProtocol.ParseRequest(body, out var problem) is not { } request)
        {
            return Text(400, problem!);
        }
        var (oldSize, proof, checkpoint) = request;
        if (!logs.TryGetValue(checkpoint.Origin, out var keys))
        {
            return Text(404, $"unknown origin '{checkpoint.Origin}'");
        }
        var verified = new List<string>();
        foreach (var line in checkpoint.Signatures)
        {
            var key = keys.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId);
            if (key is not null && key.Check(checkpoint, line, out var role, out _) is null && role == CheckpointRole.Log)
            {
                verified.Add(line.Name);
            }
        }
        if (verified.Count == 0)
        {
            return Text(403, "no signature verifies against a trusted key of this log");
        }
        if (oldSize > checkpoint.Size)
        {
            return Text(400, $"old size {oldSize} is larger than the checkpoint's {checkpoint.Size}");
        }
        var latest = Book.Load(checkpoint.Origin)?.Size ?? 0;
        if (oldSize != latest)
        {
            return Conflict(latest);
        }
        if (oldSize == 0 && proof.Count > 0)
        {
            return Text(400, "a consistency proof from size 0 must be empty");
        }
        try
        {
            // Under the state's lock: if another request moved the state since the check above, the proof given is
            // not the one needed and the answer is the new size (409), never a rollback.
            var (cosigned, _) = Book.Cosign(checkpoint.Origin, checkpoint, verified,
                (m, n) => m == oldSize && n == checkpoint.Size ? proof : throw new StaleOldSizeException(m), signer, clock);
            var line = cosigned.Signatures[^1];
            return new WitnessAnswer(200, "text/plain; charset=utf-8", line.ToLine());
        }
        catch (StaleOldSizeException stale)
        {
            return Conflict(stale.Size);
        }
        catch (CheckpointException ex) when (ex.ErrorId == "CheckpointInconsistent")
        {
            return Text(422, ex.Message);
        }
        catch (CheckpointException ex) when (ex.ErrorId is "CheckpointFork" or "CheckpointOutdated")
        {
            return ex.ErrorId == "CheckpointOutdated" ? Conflict(Book.Load(checkpoint.Origin)?.Size ?? 0) : Text(409, ex.Message);
        }
    }

    private static WitnessAnswer Conflict(long size)
        => new(409, WitnessProtocol.SizeContentType, size.ToString(CultureInfo.InvariantCulture) + "\n", $"the witness's latest cosigned size is {size}");

    private static WitnessAnswer Text(int status, string reason) => new(status, "text/plain; charset=utf-8", reason + "\n", reason);

    private sealed class StaleOldSizeException(long size) : Exception
    {
        public long Size { get; } = size;
    }
}

/// <summary>What one submission to a witness came to: the cosignature(s) it returned and verified, or why not.</summary>
public sealed class WitnessSubmission
{
    public string Witness { get; init; } = string.Empty;

    /// <summary>Scheme, host and port of the witness (never a path or query).</summary>
    public string Endpoint { get; init; } = string.Empty;
    public string Origin { get; init; } = string.Empty;
    public long Size { get; init; }
    public long OldSize { get; set; }
    public int Attempts { get; set; }
    public int? Status { get; set; }
    public bool Cosigned => Exception is null;
    public IReadOnlyList<NoteSignature> Cosignatures { get; set; } = [];
    public CheckpointException? Exception { get; set; }
    public string? ErrorId => Exception?.ErrorId;
    public string? Error => Exception?.Message;

    public override string ToString() => Cosigned ? $"{Witness} cosigned {Origin} size {Size}" : $"{Witness} did not cosign {Origin} size {Size}: {Error}";
}

/// <summary>
/// The client side of tlog-witness: submits a checkpoint with the consistency proof from the size the witness last
/// cosigned (a 409 answer names it: the request is sent again from there, once), verifies the cosignature lines
/// against the witness's key (lines of other keys are ignored) and returns them. Every answer other than 200 is a
/// refusal with a stable id; a witness is untrusted input (answers are bounded to 64 KiB).
/// </summary>
public static class WitnessClient
{
    public const int MaxAnswerBytes = 64 * 1024;

    public static async Task<WitnessSubmission> SubmitAsync(HttpClient http, Uri witness, NoteVerifierKey witnessKey, Checkpoint checkpoint,
        Func<long, long, IReadOnlyList<byte[]>> consistencyProof, long oldSize = 0, CancellationToken cancellationToken = default)
    {
        var url = new Uri(witness.AbsoluteUri.TrimEnd('/') + "/add-checkpoint");
        var result = new WitnessSubmission
        {
            Witness = witnessKey.Name, Endpoint = witness.GetLeftPart(UriPartial.Authority), Origin = checkpoint.Origin, Size = checkpoint.Size, OldSize = oldSize,
        };
        CheckpointException Refuse(string id, DeirfErrorKind kind, string why) => new(id, kind, $"Witness {witnessKey.Name} at {result.Endpoint}: {why}", witness.AbsoluteUri);
        // At most one resend after a 409 (from the size it names) and one after a transport failure (a kept-alive
        // connection the witness closed): resending a checkpoint is safe, the witness answers by its own state.
        var resent = false;
        var retried = false;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            result.Attempts = attempt;
            var proof = result.OldSize == 0 ? (IReadOnlyList<byte[]>)[] : consistencyProof(result.OldSize, checkpoint.Size);
            using var content = new ByteArrayContent(WitnessProtocol.FormatRequest(result.OldSize, proof, checkpoint));
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                if (!retried)
                {
                    retried = true;
                    continue;
                }
                result.Exception = Refuse("WitnessUnavailable", DeirfErrorKind.ResourceUnavailable, $"no answer ({ex.Message}).");
                return result;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                result.Exception = Refuse("WitnessUnavailable", DeirfErrorKind.ResourceUnavailable, "no answer in time.");
                return result;
            }
            using (response)
            {
                result.Status = (int)response.StatusCode;
                var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
                if (body is null)
                {
                    result.Exception = Refuse("WitnessResponseInvalid", DeirfErrorKind.InvalidData, $"the answer is larger than {MaxAnswerBytes} bytes.");
                    return result;
                }
                switch (result.Status)
                {
                    case 200:
                        return Accept(result, body, witnessKey, checkpoint, Refuse);
                    case 409 when response.Content.Headers.ContentType?.MediaType == WitnessProtocol.SizeContentType:
                        if (!WitnessProtocol.TryParseSizeAnswer(body, out var theirs))
                        {
                            result.Exception = Refuse("WitnessResponseInvalid", DeirfErrorKind.InvalidData, "a 409 answer that is not a tree size.");
                            return result;
                        }
                        if (theirs > checkpoint.Size)
                        {
                            result.Exception = Refuse("WitnessAhead", DeirfErrorKind.InvalidOperation,
                                $"it has cosigned size {theirs} of {checkpoint.Origin}, larger than this checkpoint's {checkpoint.Size}: submit the latest checkpoint.");
                            return result;
                        }
                        if (resent || theirs == result.OldSize)
                        {
                            result.Exception = Refuse("WitnessConflict", DeirfErrorKind.SecurityError, $"it still answers 409 (its size {theirs}).");
                            return result;
                        }
                        resent = true;
                        result.OldSize = theirs;
                        continue;
                    case 409:
                        result.Exception = Refuse("WitnessConflict", DeirfErrorKind.SecurityError,
                            $"it cosigned another tree head of size {checkpoint.Size} for {checkpoint.Origin}: a fork ({Trim(body)}).");
                        return result;
                    case 403:
                        result.Exception = Refuse("WitnessUntrustedLog", DeirfErrorKind.SecurityError, "it does not trust any key that signed this checkpoint (403).");
                        return result;
                    case 404:
                        result.Exception = Refuse("WitnessUnknownLog", DeirfErrorKind.NotFound, $"it does not witness origin '{checkpoint.Origin}' (404).");
                        return result;
                    case 422:
                        result.Exception = Refuse("WitnessInconsistent", DeirfErrorKind.SecurityError,
                            $"the consistency proof from size {result.OldSize} did not verify for it (422): its view and this journal's differ.");
                        return result;
                    default:
                        result.Exception = Refuse("WitnessRefused", DeirfErrorKind.InvalidOperation, $"HTTP {result.Status}: {Trim(body)}");
                        return result;
                }
            }
        }
        return result;
    }

    private static WitnessSubmission Accept(WitnessSubmission result, string body, NoteVerifierKey witnessKey, Checkpoint checkpoint,
        Func<string, DeirfErrorKind, string, CheckpointException> refuse)
    {
        Checkpoint answered;
        try
        {
            // The spec's way to read it: the lines appended to the checkpoint, read as a note.
            answered = Checkpoint.Parse(checkpoint.Body + "\n" + body);
        }
        catch (CheckpointException ex)
        {
            result.Exception = refuse("WitnessResponseInvalid", DeirfErrorKind.InvalidData, $"the answer is not signature lines ({ex.Message}).");
            return result;
        }
        var mine = new List<NoteSignature>();
        foreach (var line in answered.Signatures)
        {
            if (line.Name != witnessKey.Name || line.KeyId != witnessKey.KeyId)
            {
                continue; // another key's line: ignored, as the spec says
            }
            var problem = witnessKey.Check(answered, line, out var role, out _);
            if (problem is not null || role != CheckpointRole.Witness)
            {
                result.Exception = refuse("WitnessCosignatureInvalid", DeirfErrorKind.SecurityError, $"its cosignature does not verify ({problem ?? "not a cosignature"}).");
                return result;
            }
            mine.Add(line);
        }
        if (mine.Count == 0)
        {
            result.Exception = refuse("WitnessResponseInvalid", DeirfErrorKind.InvalidData, "the answer has no cosignature by its key.");
            return result;
        }
        result.Cosignatures = mine;
        return result;
    }

    private static async Task<string?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxAnswerBytes + 1];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += n;
        }
        return total > MaxAnswerBytes ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string Trim(string body) => Canonical.OutsideText.Line(body, 200);
}

/// <summary>Submitting a workspace's own checkpoint: the replica's tree vouches for it first, and a cosignature that verifies is kept.</summary>
public static class WorkspaceWitnessing
{
    /// <summary>
    /// Submits the incident's latest checkpoint to <paramref name="witness"/> with consistency proofs cut from this
    /// replica's tree (CheckpointNotFound, or CheckpointFork when the checkpoint is not this journal's: nothing sent),
    /// asks <paramref name="confirm"/> before sending (false: nothing sent, null returned), and merges a verified
    /// cosignature into the workspace's checkpoint.
    /// </summary>
    public static WitnessSubmission? Submit(Workspaces.Workspace ws, string incident, HttpClient http, Uri witness, NoteVerifierKey witnessKey, long oldSize,
        Func<Checkpoint, bool> confirm, CancellationToken cancellationToken = default)
    {
        var latest = CheckpointLog.List(ws, incident).LastOrDefault()
            ?? throw new CheckpointException("CheckpointNotFound", DeirfErrorKind.NotFound, $"{incident} has no checkpoint yet: make one with New-DeirfCheckpoint.", incident);
        var checkpoint = Checkpoint.Load(latest);
        using var tree = JournalTree.Open(ws.JournalOf(incident), cancellationToken);
        if (tree.Size < checkpoint.Size || !tree.Tree.Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new CheckpointException("CheckpointFork", DeirfErrorKind.SecurityError,
                $"The checkpoint {latest} is not this replica's journal at size {checkpoint.Size}: nothing was sent.", latest);
        }
        if (!confirm(checkpoint))
        {
            return null;
        }
        var result = WitnessClient.SubmitAsync(http, witness, witnessKey, checkpoint, (m, n) => tree.Tree.ConsistencyProof(m, n), oldSize, cancellationToken)
            .GetAwaiter().GetResult();
        if (result.Cosigned)
        {
            CheckpointLog.MergeSignatures(ws, incident, new Checkpoint(checkpoint.Origin, checkpoint.Size, checkpoint.RootHash, checkpoint.Extensions, [.. checkpoint.Signatures, .. result.Cosignatures]));
        }
        return result;
    }
}
