namespace DeIRF.Checkpoints;

/// <summary>
/// Any C2SP checkpoint, checked on its own (Test-DeirfCheckpoint): the log's signature by one of
/// <see cref="LogKeys"/>, and cosignatures by <see cref="WitnessKeys"/>, of which at least
/// <see cref="MinWitnesses"/> distinct witnesses must verify for the checkpoint to be trusted. Lines no given key
/// names are reported and ignored (C2SP signed-note); a line from a given key that does not verify refuses the whole
/// checkpoint. Nothing here assumes the origin's format or that the tree is DeIRF's.
/// </summary>
public sealed class CheckpointCheck
{
    public IReadOnlyList<NoteVerifierKey> LogKeys { get; init; } = [];
    public IReadOnlyList<NoteVerifierKey> WitnessKeys { get; init; } = [];
    public int MinWitnesses { get; init; }

    public CheckpointCheckResult Judge(Checkpoint checkpoint, string? path = null)
    {
        if (LogKeys.Count == 0)
        {
            throw new CheckpointException("CheckpointKeysMissing", DeirfErrorKind.InvalidArgument,
                "No log key to check the checkpoint against: give -TrustedKey (a vkey, name+keyid+base64, or a file of them) or -LogPublicKey (a static CT log's key).", path);
        }
        if (MinWitnesses < 0 || MinWitnesses > WitnessKeys.Count)
        {
            throw new CheckpointException("CheckpointWitnessPolicyInvalid", DeirfErrorKind.InvalidArgument,
                $"-MinWitnesses {MinWitnesses} cannot be met by {WitnessKeys.Count} witness key(s).", MinWitnesses);
        }
        var lines = new List<CheckpointLineResult>();
        var logSigners = new List<string>();
        var witnesses = new List<string>();
        string? failure = null;
        foreach (var line in checkpoint.Signatures)
        {
            var asLog = LogKeys.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId);
            var asWitness = asLog is null ? WitnessKeys.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId) : null;
            var key = asLog ?? asWitness;
            if (key is null)
            {
                lines.Add(new CheckpointLineResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Unknown, Reason = "no given key has this name and key id: ignored" });
                continue;
            }
            var problem = key.Check(checkpoint, line, out var role, out var time);
            var given = asLog is not null ? "log" : "witness";
            if (problem is null && asWitness is not null && role != CheckpointRole.Witness)
            {
                problem = "a witness key's line must be a cosignature (cosignature/v1 or a witness envelope)";
            }
            if (problem is not null)
            {
                failure ??= $"the {given} signature of '{line.Name}' ({key.KindText}) does not verify: {problem}";
                lines.Add(new CheckpointLineResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Failed, Role = given, KeyType = key.KindText, Reason = problem });
                continue;
            }
            lines.Add(new CheckpointLineResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Verified, Role = given, KeyType = key.KindText, Time = time });
            (asLog is not null ? logSigners : witnesses).Add(line.Name);
        }
        var logSet = logSigners.Distinct(StringComparer.Ordinal).ToArray();
        var witnessSet = witnesses.Distinct(StringComparer.Ordinal).Where(w => !logSet.Contains(w)).ToArray();
        var valid = failure is null && logSet.Length > 0;
        var reason = failure ?? (logSet.Length == 0 ? "no signature by a given log key" : witnessSet.Length < MinWitnesses
            ? $"{witnessSet.Length} of the {MinWitnesses} witness cosignature(s) required" : null);
        return new CheckpointCheckResult
        {
            Path = path, Checkpoint = checkpoint, IsValid = valid, IsTrusted = valid && witnessSet.Length >= MinWitnesses,
            LogSigners = logSet, Witnesses = witnessSet, MinWitnesses = MinWitnesses, Signatures = lines, Reason = reason,
        };
    }
}

/// <summary>One signature line as <see cref="CheckpointCheck"/> judged it: whose (log or witness key), verified or not, and why.</summary>
public sealed class CheckpointLineResult
{
    public string Name { get; init; } = string.Empty;
    public string KeyId { get; init; } = string.Empty;
    public NoteSignatureStatus Status { get; init; }

    /// <summary>"log" or "witness": which of the given keys matched; null for a line no given key names.</summary>
    public string? Role { get; init; }
    public string? KeyType { get; init; }
    public DateTimeOffset? Time { get; init; }
    public string? Reason { get; init; }

    public override string ToString() => $"{Name} {Status}{(Role is null ? "" : " " + Role)}{(Reason is null ? "" : ": " + Reason)}";
}

/// <summary>The verdict on one checkpoint: valid (a log key's signature verified, none failed) and trusted (enough witnesses).</summary>
public sealed class CheckpointCheckResult
{
    public string? Path { get; init; }
    public Checkpoint Checkpoint { get; init; } = null!;
    public string Origin => Checkpoint.Origin;
    public long Size => Checkpoint.Size;
    public string Root => Checkpoint.Root;
    public IReadOnlyList<string> Extensions => Checkpoint.Extensions;
    public bool IsValid { get; init; }
    public bool IsTrusted { get; init; }
    public IReadOnlyList<string> LogSigners { get; init; } = [];
    public IReadOnlyList<string> Witnesses { get; init; } = [];
    public int MinWitnesses { get; init; }
    public IReadOnlyList<CheckpointLineResult> Signatures { get; init; } = [];
    public string? Reason { get; init; }

    public override string ToString() => IsTrusted ? $"{Origin} size {Size}: trusted (log {string.Join(",", LogSigners)}; {Witnesses.Count} witness(es))"
        : IsValid ? $"{Origin} size {Size}: valid, not trusted ({Reason})"
        : $"{Origin} size {Size}: refused ({Reason})";
}
