using System.Text;
using DeIRF.Identity;
using DeIRF.Identity.Verifiers;
using DeIRF.Workspaces;

namespace DeIRF.Sync;

/// <summary>
/// Signed git history (docs/sync.md, "Signed history"): every commit a sync receives must be signed by a responder
/// whom the roster vouches for as of the commit's parent. The roster "as of the parent" is never read from the
/// fetched bytes alone: the parent's roster journal must be a prefix of the roster journal this sync has already
/// verified (chain, signatures, governance, trusted head), and the prefix that is folded is the verified copy's own
/// bytes. Its active SSH proofs become an allowed-signers file (replica-local, in .deirf-sync/tmp, deleted after) that
/// the real <c>git log %G?</c> checks with (ssh-keygen -Y verify underneath); OpenPGP signatures go through
/// <see cref="GitCommitProof"/> against the roster's OpenPGP proofs (never a keyring).
/// </summary>
internal sealed class SignedHistory
{
    private readonly Workspace _ws;
    private readonly GitCli _git;
    private readonly string _tmpDir;
    private readonly JournalCopy _accepted;
    private readonly Roster? _replicaRoster;
    private readonly CommitSignaturePolicy _replicaPolicy;
    private readonly long _trustedRosterSeq;
    private readonly Dictionary<string, (int Count, string? Problem)> _rosterAt = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Roster> _folded = [];

    /// <param name="accepted">The roster journal this sync accepted (verified); empty when there is none.</param>
    /// <param name="replicaRoster">This replica's own roster before the sync (null on a first clone): its policy is a floor, its revocations are final.</param>
    public SignedHistory(Workspace ws, GitCli git, string tmpDir, JournalCopy accepted, Roster? replicaRoster)
    {
        _trustedRosterSeq = replicaRoster is null ? -1 : SyncTrustStore.Load(ws.Root).Get(SyncTrustStore.KeyFor(ws.WorkspaceId, Roster.JournalId))?.Seq ?? -1;
        _ws = ws;
        _git = git;
        _tmpDir = tmpDir;
        _accepted = accepted;
        _replicaRoster = replicaRoster;
        _replicaPolicy = replicaRoster is null ? CommitSignaturePolicy.Off : SyncPolicy.Of(replicaRoster).CommitSignatures;
    }

    /// <summary>The git settings signature verification runs with: ssh-keygen from PATH, no gpg or gpgsm ever run.</summary>
    private static IEnumerable<string> VerifyConfig(string allowedSigners)
    {
        yield return "-c";
        yield return "gpg.ssh.allowedSignersFile=" + allowedSigners;
        yield return "-c";
        yield return "gpg.ssh.program=" + SshKeygen();
        yield return "-c";
        yield return "gpg.openpgp.program=" + NoProgram;
        yield return "-c";
        yield return "gpg.x509.program=" + NoProgram;
    }

    private static string NoProgram => OperatingSystem.IsWindows() ? "NUL" : "/bin/false";

    public static string SshKeygen() => GitCli.FindOnPath("ssh-keygen") ?? throw new SyncException("SshKeygenNotFound", DeirfErrorKind.ResourceUnavailable,
        "ssh-keygen is not installed or not on PATH; signed git history (sign and verify sync commits) uses it.", "ssh-keygen");

    /// <summary>
    /// Checks every commit of <paramref name="remoteCommit"/>'s history that <paramref name="head"/> does not have (all
    /// of it when null: a clone). Failures go to <paramref name="refusals"/> where the policy in force for that commit
    /// is require, to <paramref name="warnings"/> where it is warn; off skips. The policy in force is the stricter of
    /// this replica's own and the one the commit's parent's roster set.
    /// </summary>
    public void Check(string? head, string remoteCommit, List<SyncRefusal> refusals, List<SyncRefusal> warnings)
    {
        var range = head is null ? new[] { remoteCommit } : [remoteCommit, "--not", head];
        var listed = _git.Run(["rev-list", "--reverse", "--topo-order", "--parents", .. range]).Text;
        var commits = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        if (commits.Count == 0)
        {
            return;
        }
        // Group by the roster each commit is judged by, so one git process checks a run of commits.
        var groups = new Dictionary<int, List<string>>();
        foreach (var c in commits)
        {
            var id = c[0];
            var parents = c[1..];
            SyncRefusal? early = null;
            int count = 0;
            if (parents.Length > 1)
            {
                early = Refusal("SyncCommitMergeRefused", id, $"a merge commit ({parents.Length} parents): sync history is linear, one parent per commit; nothing merges branches of a workspace");
            }
            else
            {
                // A root commit has no parent: on a first clone it is judged by the roster it founds (trust on first
                // use, as the clone itself); a root this replica does not descend from is another history.
                var (n, problem) = parents.Length == 1 ? RosterCountAt(parents[0]) : head is null ? RosterCountAt(id) : (0, null);
                count = n;
                if (problem is not null)
                {
                    early = Refusal("SyncCommitSignerUnknown", id, problem);
                }
                else if (parents.Length == 0 && head is not null)
                {
                    early = Refusal("SyncCommitSignerUnknown", id, "a root commit this replica's history does not contain: the remote holds another history, nobody on the roster vouches for it");
                }
            }
            // A merge is judged by the policy at its first parent; a commit whose parent's roster is forged, or another
            // history's root, by the floor (this replica's policy; on a clone, the one the accepted roster sets now).
            var policy = early is null ? SyncPolicy.Stricter(_replicaPolicy, SyncPolicy.Of(Fold(count)).CommitSignatures)
                : SyncPolicy.Stricter(Floor, parents.Length > 1 && RosterCountAt(parents[0]) is (var n1, null) ? SyncPolicy.Of(Fold(n1)).CommitSignatures : Floor);
            if (policy == CommitSignaturePolicy.Off)
            {
                continue;
            }
            if (early is not null)
            {
                (policy == CommitSignaturePolicy.Require ? refusals : warnings).Add(early);
                continue;
            }
            (groups.TryGetValue(count, out var list) ? list : groups[count] = []).Add(id);
        }
        foreach (var (count, ids) in groups)
        {
            var roster = Fold(count);
            var policy = SyncPolicy.Stricter(_replicaPolicy, SyncPolicy.Of(roster).CommitSignatures);
            foreach (var failure in CheckSigned(roster, ids))
            {
                (policy == CommitSignaturePolicy.Require ? refusals : warnings).Add(failure);
            }
        }
    }

    private CommitSignaturePolicy Floor => _replicaRoster is null ? SyncPolicy.Of(Fold(_accepted.Count)).CommitSignatures : _replicaPolicy;

    private static SyncRefusal Refusal(string errorId, string commit, string reason) => new(errorId, commit, null, null, commit, reason) { Commit = commit };

    /// <summary>The allowed_signers lines of a roster: each responder's active SSH proofs, in the "git" namespace.</summary>
    public static IReadOnlyList<string> AllowedSigners(Roster roster)
    {
        var lines = new List<string>();
        foreach (var r in roster.Responders.OrderBy(r => r.Handle, StringComparer.Ordinal))
        {
            foreach (var p in r.ActiveProofs.Where(p => p.Kind == ProofKind.Ssh))
            {
                // A certificate proof is left out: its key line is the certificate, and trust in its CA
                // (trust/ssh-ca.pub) is not a governed file, so a pusher could add a CA (docs/sync.md).
                // A handle that allowed_signers would read as a pattern or a list is left out too (never "*" for a key).
                if (p.Key.Attributes.ContainsKey("caFingerprint") || r.Handle.IndexOfAny(['*', '?', ',', '!', '"', '\'']) >= 0)
                {
                    continue;
                }
                var key = string.Join(' ', p.Key.PublicKey.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
                lines.Add($"{r.Handle} namespaces=\"{GitCommitProof.GitNamespace}\" {key}");
            }
        }
        return lines;
    }

    private IEnumerable<SyncRefusal> CheckSigned(Roster roster, List<string> ids)
    {
        var file = Path.Combine(_tmpDir, $"allowed-signers-{Guid.NewGuid():N}");
        File.WriteAllText(file, string.Join('\n', AllowedSigners(roster)) + "\n");
        var found = new List<SyncRefusal>();
        try
        {
            var r = _git.Run([.. VerifyConfig(file), "log", "--no-walk=unsorted", "--format=%H%x00%G?%x00%GK%x00%GS%x00", .. ids]);
            foreach (var line in Encoding.UTF8.GetString(r.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('\0');
                if (f.Length < 4)
                {
                    throw new SyncException("GitOutputInvalid", DeirfErrorKind.InvalidData, $"git log printed '{line}' for a signature check.", line);
                }
                if (Judge(roster, f[0], f[1], f[2], f[3]) is { } failure)
                {
                    found.Add(failure);
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
        return found;
    }

    private SyncRefusal? Judge(Roster roster, string commit, string status, string key, string signer)
    {
        if (status == "G")
        {
            // git and ssh-keygen found the key among the roster's SSH proofs as of the parent, principal = handle.
            var holder = roster.HolderOf(key);
            if (holder is null || holder.Handle != signer || holder.FindProof(key) is not { IsRevoked: false, Kind: var kind } || kind != ProofKind.Ssh)
            {
                return Refusal("SyncCommitSignerUnknown", commit, $"signed by {key} as '{signer}', which is not an active SSH proof of '{signer}' on the roster as of the parent");
            }
            return RevokedHere(commit, key);
        }
        // Whether it is signed at all is read from the commit object itself (git says N too when it cannot run a verifier).
        var raw = _git.Run(["cat-file", "commit", commit]).Stdout;
        if (!GitCommitProof.TrySplit(raw, out _, out var signature, out _, out var malformed))
        {
            return signature.Length == 0 && malformed is not null && malformed.StartsWith("the commit is not signed", StringComparison.Ordinal)
                ? Refusal("SyncCommitUnsigned", commit, "the commit is not signed; every sync commit is signed by its responder's signing key (Set-DeirfSigningKey)")
                : Refusal("SyncCommitSignerUnknown", commit, $"the commit's signature headers are malformed ({malformed})");
        }
        if (signature.StartsWith("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal))
        {
            // An OpenPGP signature is checked by DeIRF's own verifier against the roster's OpenPGP proofs, never a keyring.
            foreach (var r in roster.Responders)
            {
                foreach (var p in r.ActiveProofs.Where(p => p.Kind == ProofKind.OpenPgp))
                {
                    if (GitCommitProof.Check(raw, p.Key, "\n").Signature.IsValid)
                    {
                        return RevokedHere(commit, p.Fingerprint);
                    }
                }
            }
            return Refusal("SyncCommitSignerUnknown", commit, "an OpenPGP signature by no active OpenPGP proof on the roster as of the parent");
        }
        if (!signature.StartsWith("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal))
        {
            return Refusal("SyncCommitSignerUnknown", commit, "the signature is neither SSH nor OpenPGP (x509/gpgsm signatures are not accepted)");
        }
        var what = status switch
        {
            "U" => $"signed by {key}, a key that is not an active SSH proof on the roster as of the parent",
            "B" => $"a bad signature (the commit was changed after signing, or the signature is not over it; key {key})",
            "R" => $"signed by {key}, a revoked key",
            _ => $"the signature cannot be checked (git says {status}{(key.Length > 0 ? ", key " + key : string.Empty)})",
        };
        return Refusal("SyncCommitSignerUnknown", commit, what);
    }

    /// <summary>
    /// A key whose revocation this replica had already accepted from the remote (at or before its trusted roster head)
    /// signs nothing it receives now, whatever older parent a commit names: every honest commit pushed after that
    /// revocation reached the remote descends from it. A revocation made here and not yet shared does not count, so a
    /// responder's commit pushed while it travelled is not refused.
    /// </summary>
    private SyncRefusal? RevokedHere(string commit, string fingerprint)
        => _replicaRoster?.HolderOf(fingerprint)?.FindProof(fingerprint) is { IsRevoked: true, RevokedSeq: { } seq } p && seq <= _trustedRosterSeq
            ? Refusal("SyncCommitSignerUnknown", commit, $"signed by {fingerprint} of '{p.Handle}', revoked on this replica's roster (ROSTER#{p.RevokedSeq}, accepted from the remote); a commit on an older parent does not bring it back")
            : null;

    /// <summary>
    /// How many entries of the accepted roster journal the roster at <paramref name="commit"/> holds: its roster.jsonl
    /// must be a prefix of the accepted one (same hash at its last entry, chained), else the problem.
    /// </summary>
    private (int Count, string? Problem) RosterCountAt(string commit)
    {
        var blob = _git.TryRun(["rev-parse", "--verify", "--quiet", commit + ":" + WorkspaceLayout.RosterFile]) is { ExitCode: 0 } b ? b.Text : null;
        if (blob is null)
        {
            return (0, null);
        }
        if (_rosterAt.TryGetValue(blob, out var known))
        {
            return known;
        }
        (int, string?) result;
        var size = long.Parse(_git.Text("cat-file", "-s", blob), System.Globalization.CultureInfo.InvariantCulture);
        if (size > _accepted.Bytes.Length)
        {
            result = (0, $"the roster journal at parent {commit[..12]} is longer than the roster this sync accepted: not a history of it");
        }
        else
        {
            var copy = JournalCopy.TryParse(_git.Blob(blob), out var problem, out _);
            result = copy is null ? (0, $"the roster journal at parent {commit[..12]} is damaged ({problem})")
                : copy.Count == 0 ? (0, null)
                : copy.Count <= _accepted.Count && copy.Hash(copy.Count - 1) == _accepted.Hash(copy.Count - 1) ? (copy.Count, null)
                : (0, $"the roster journal at parent {commit[..12]} is not a prefix of the roster this sync accepted (a forged or rewritten roster)");
        }
        _rosterAt[blob] = result;
        return result;
    }

    /// <summary>The roster folded from the first <paramref name="count"/> entries of the accepted copy (its bytes, not the commit's).</summary>
    private Roster Fold(int count)
    {
        if (_folded.TryGetValue(count, out var r))
        {
            return r;
        }
        var tmp = Path.Combine(_tmpDir, $"roster-at-{count}-{Guid.NewGuid():N}.jsonl");
        if (count > 0)
        {
            File.WriteAllBytes(tmp, _accepted.Prefix(count));
        }
        try
        {
            r = Roster.LoadFile(_ws, tmp); // folds eagerly: the file is needed only while it reads it
        }
        finally
        {
            File.Delete(tmp);
        }
        return _folded[count] = r;
    }
}
