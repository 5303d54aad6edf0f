namespace DeIRF.Checkpoints;

/// <summary>
/// The copy of a checkpoint that goes outside (a disclosure): the same note text, and each signature line of a key the
/// roster knows renamed to a pseudonym (<c>signer-1</c>, <c>signer-2</c>, … one per person, in the order they first
/// signed) with its key id recomputed for that name; <see cref="Keys"/> are the verifier keys under those pseudonyms.
/// Signed-note signatures cover the note text, never the key name, so a renamed line verifies as the original did.
/// Lines no roster key matches are dropped: they carry a name, and no reader could check them.
/// </summary>
public sealed class PublicCheckpoint
{
    public const string NamePrefix = "signer-";

    private PublicCheckpoint(Checkpoint checkpoint, IReadOnlyList<NoteVerifierKey> keys)
    {
        Checkpoint = checkpoint;
        Keys = keys;
    }

    /// <summary>The checkpoint with pseudonymous signature lines (same origin, size and root).</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The verifier keys of the pseudonymous lines (C2SP vkeys named signer-N): what a reader trusts to check it.</summary>
    public IReadOnlyList<NoteVerifierKey> Keys { get; }

    /// <summary>The public copy of <paramref name="checkpoint"/>; <paramref name="known"/> are the roster's keys (<see cref="NoteVerifierKey.FromRoster"/>).</summary>
    public static PublicCheckpoint From(Checkpoint checkpoint, IReadOnlyList<NoteVerifierKey> known)
    {
        // One pseudonym per person, not per key: the log-signer-is-no-witness rule and the policy's distinct cosigners
        // then count the same people outside as inside.
        var pseudonyms = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new List<NoteVerifierKey>();
        var lines = new List<NoteSignature>();
        foreach (var line in checkpoint.Signatures)
        {
            var key = known.FirstOrDefault(k => k.Name == line.Name && k.KeyId == line.KeyId);
            if (key is null)
            {
                continue;
            }
            if (!pseudonyms.TryGetValue(line.Name, out var pseudonym))
            {
                pseudonym = NamePrefix + (pseudonyms.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                pseudonyms[line.Name] = pseudonym;
            }
            var renamed = key.Renamed(pseudonym);
            lines.Add(new NoteSignature(pseudonym, renamed.KeyId, line.Signature));
            if (!keys.Any(k => k.Name == renamed.Name && k.KeyId == renamed.KeyId))
            {
                keys.Add(renamed);
            }
        }
        return new PublicCheckpoint(new Checkpoint(checkpoint.Origin, checkpoint.Size, checkpoint.RootHash, checkpoint.Extensions, lines), keys);
    }
}
