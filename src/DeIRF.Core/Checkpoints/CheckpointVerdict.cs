namespace DeIRF.Checkpoints;

public enum NoteSignatureStatus
{
    /// <summary>Made by a trusted key and verified.</summary>
    Verified,

    /// <summary>Its name and key id match a trusted key, but it does not verify: the whole checkpoint is refused.</summary>
    Failed,

    /// <summary>No trusted key has this name and key id: ignored, as C2SP signed-note requires.</summary>
    Unknown,
}

/// <summary>One signature line of a checkpoint, judged.</summary>
public sealed class CheckpointSignatureResult
{
    public string Name { get; init; } = string.Empty;
    public string KeyId { get; init; } = string.Empty;
    public NoteSignatureStatus Status { get; init; }
    public CheckpointRole? Role { get; init; }
    public string? KeyType { get; init; }
    public DateTimeOffset? Time { get; init; }
    public string? Reason { get; init; }

    public override string ToString() => $"{Name} {Status}{(Role is { } r ? " " + r : "")}{(Reason is null ? "" : ": " + Reason)}";
}

/// <summary>What a reader can conclude from a checkpoint's signatures under a trust policy.</summary>
public sealed class CheckpointVerdict
{
    public Checkpoint Checkpoint { get; init; } = null!;
    public string Origin => Checkpoint.Origin;
    public long Size => Checkpoint.Size;
    public string Root => Checkpoint.Root;

    /// <summary>No trusted key's signature failed, and at least one verified.</summary>
    public bool IsValid { get; init; }

    /// <summary>Valid and the cosigners fill the policy.</summary>
    public bool IsTrusted { get; init; }

    public IReadOnlyList<string> LogSigners { get; init; } = [];
    public IReadOnlyList<string> Cosigners { get; init; } = [];
    public IReadOnlyList<CheckpointSignatureResult> Signatures { get; init; } = [];
    public string Policy { get; init; } = string.Empty;
    public IReadOnlyList<string> Missing { get; init; } = [];
    public string? Reason { get; init; }

    public override string ToString() => IsTrusted ? $"{Origin} size {Size}: trusted (log {string.Join(",", LogSigners)}; cosigned by {string.Join(",", Cosigners)})"
        : IsValid ? $"{Origin} size {Size}: valid but not trusted ({string.Join("; ", Missing)})"
        : $"{Origin} size {Size}: refused ({Reason})";

    /// <summary>
    /// Judges every signature line against <paramref name="keys"/> (unknown lines are ignored; a failing line from a
    /// trusted key refuses the whole note) and the cosigners against <paramref name="policy"/>.
    /// <paramref name="rolesOf"/> gives a person's roles in the incident (null: none known, so only role-free
    /// groups can be filled).
    /// </summary>
    public static CheckpointVerdict Judge(Checkpoint checkpoint, IReadOnlyList<NoteVerifierKey> keys, CheckpointPolicy policy,
        Func<string, IReadOnlySet<string>>? rolesOf = null)
    {
        var results = new List<CheckpointSignatureResult>();
        var logSigners = new List<string>();
        var witnesses = new List<string>();
        string? failure = null;
        foreach (var line in checkpoint.Signatures)
        {
            var key = keys.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId);
            if (key is null)
            {
                results.Add(new CheckpointSignatureResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Unknown, Reason = "no trusted key with this name and key id: ignored" });
                continue;
            }
            var problem = key.Check(checkpoint, line, out var role, out var time);
            if (problem is not null)
            {
                failure ??= $"the signature of '{line.Name}' ({key.KindText}) does not verify: {problem}";
                results.Add(new CheckpointSignatureResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Failed, KeyType = key.KindText, Reason = problem });
                continue;
            }
            results.Add(new CheckpointSignatureResult { Name = line.Name, KeyId = line.KeyIdHex, Status = NoteSignatureStatus.Verified, Role = role, KeyType = key.KindText, Time = time });
            (role == CheckpointRole.Log ? logSigners : witnesses).Add(line.Name);
        }
        var logSet = logSigners.Distinct(StringComparer.Ordinal).ToList();
        // A log vouching for itself adds nothing: a witness is someone other than the signer of the log's head.
        var cosigners = witnesses.Distinct(StringComparer.Ordinal).Where(w => !logSet.Contains(w)).ToList();
        bool valid = failure is null && results.Any(r => r.Status == NoteSignatureStatus.Verified);
        var (met, missing) = policy.Judge(cosigners.ToDictionary(c => c, c => rolesOf?.Invoke(c) ?? new HashSet<string>()));
        return new CheckpointVerdict
        {
            Checkpoint = checkpoint,
            IsValid = valid,
            IsTrusted = valid && met,
            LogSigners = logSet,
            Cosigners = cosigners,
            Signatures = results,
            Policy = policy.RequireText,
            Missing = missing,
            Reason = failure ?? (valid ? null : "no signature by a trusted key"),
        };
    }
}
