using System.Text.Json.Nodes;
using DeIRF.Identity;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Containment;

/// <summary>
/// "identity.revoke" — key compromise (no external service). Target "handle" revokes every active proof of that
/// responder; "handle/&lt;fingerprint&gt;" one proof (the handle ends at the first '/'; SSH fingerprints may contain '/').
/// Revocation lands in the roster in one write and is never reinstated: undo is refused, re-keying is
/// Add-DeirfIdentityProof. Parameter "reason" (optional) is journaled with each revocation.
/// </summary>
public sealed class IdentityRevokeProvider : IContainmentProvider
{
    public const string ActionName = "identity.revoke";

    public IReadOnlyCollection<string> Actions { get; } = [ActionName];

    private static (Workspace ws, Roster roster, Responder responder, IReadOnlyList<RosterProof> proofs) Resolve(ContainmentRequest request)
    {
        var root = request.WorkspaceRoot
            ?? throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument, "identity.revoke needs the workspace.", request.Target);
        var ws = Workspace.Open(root);
        var roster = Roster.Load(ws);
        var slash = request.Target.IndexOf('/');
        var handle = slash < 0 ? request.Target : request.Target[..slash];
        var fingerprint = slash < 0 ? null : request.Target[(slash + 1)..];
        var responder = roster.Find(handle)
            ?? throw new ContainmentException("IdentityUnknown", DeirfErrorKind.NotFound, $"'{handle}' is not on the roster.", request.Target);
        IReadOnlyList<RosterProof> proofs;
        if (fingerprint is null)
        {
            proofs = responder.Proofs.ToList();
        }
        else
        {
            var proof = responder.FindProof(fingerprint)
                ?? throw new ContainmentException("IdentityProofUnknown", DeirfErrorKind.NotFound, $"'{handle}' has no proof {fingerprint}.", request.Target);
            proofs = [proof];
        }
        return (ws, roster, responder, proofs);
    }

    private static JsonObject State(Responder responder, IEnumerable<RosterProof> proofs) => new()
    {
        ["handle"] = responder.Handle,
        ["eligible"] = responder.Eligible,
        ["proofs"] = new JsonArray(proofs.Select(p => (JsonNode)new JsonObject
        {
            ["fingerprint"] = p.Fingerprint,
            ["kind"] = p.Kind.ToString(),
            ["revoked"] = p.IsRevoked,
        }).ToArray()),
    };

    public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var (_, _, responder, proofs) = Resolve(request);
        var active = proofs.Where(p => !p.IsRevoked).ToList();
        var remaining = responder.ActiveProofs.Except(active).Select(p => p.Kind).Distinct().Count();
        var warnings = new List<string>();
        if (active.Count == 0)
        {
            warnings.Add($"Nothing to revoke: every targeted proof of '{responder.Handle}' is already revoked.");
        }
        if (remaining < Roster.MinimumProofKinds)
        {
            warnings.Add($"'{responder.Handle}' keeps {remaining} proof kind(s): not eligible for roles or quorums until re-keyed (Add-DeirfIdentityProof, two kinds).");
        }
        var expected = State(responder, proofs);
        foreach (var p in expected["proofs"]!.AsArray())
        {
            p!["revoked"] = true;
        }
        return Task.FromResult(new ContainmentPlan
        {
            Action = ActionName,
            Target = request.Target,
            Steps = active.Select(p => $"revoke {p.Kind} proof {p.Fingerprint} of '{responder.Handle}' in the roster (never reinstated)").ToList(),
            Before = State(responder, proofs),
            Expected = expected,
            Warnings = warnings,
        });
    }

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (ws, roster, responder, proofs) = Resolve(request);
        var before = State(responder, proofs);
        var active = proofs.Where(p => !p.IsRevoked).Select(p => p.Fingerprint).ToList();
        var actor = request.Actor
            ?? throw new ContainmentException("ContainmentParameterMissing", DeirfErrorKind.InvalidArgument, "identity.revoke needs the executing responder (actor).", request.Target);
        var reason = request.Parameter("reason") is { Length: > 0 } r ? r : $"key compromise ({request.IncidentId ?? "no incident"})";
        // The decision behind it, for the sealed roster to check: the incident's consumed identity.revoke of this target.
        (string, string)? authority = null;
        if (request.IncidentId is { } incident && ws.IncidentIds().Contains(incident, StringComparer.Ordinal))
        {
            var consumed = ws.JournalOf(incident).ReadEntries().LastOrDefault(e => e.Kind == Journal.Kinds.ProposalConsumed.KindName
                && Journal.Kinds.EntryKinds.Text(e.Body, "action") == ActionName && Journal.Kinds.EntryKinds.Text(e.Body, "target") == request.Target);
            if (consumed is not null)
            {
                authority = (incident, Journal.Kinds.EntryKinds.Text(consumed.Body, "proposal"));
            }
        }
        roster.RevokeProofs(responder.Handle, active, reason, actor, request.AppendOptions ?? JournalAppendOptions.Default, authority);
        foreach (var fp in active)
        {
            SigningKeys.Forget(ws, fp);
        }
        var undo = new JsonObject { ["handle"] = responder.Handle, ["revoked"] = new JsonArray(active.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()) };
        return VerifyCore(request, undo, before, $"Revoked {active.Count} proof(s) of '{responder.Handle}'; re-key with Add-DeirfIdentityProof.");
    }

    public Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => VerifyCore(request, undoState, before: null, message: null);

    private static Task<ContainmentResult> VerifyCore(ContainmentRequest request, JsonObject undoState, JsonObject? before, string? message)
    {
        // Read back from the roster file, not from the object that wrote it.
        var (_, _, responder, proofs) = Resolve(request);
        var after = State(responder, proofs);
        var verified = proofs.All(p => p.IsRevoked);
        return Task.FromResult(new ContainmentResult
        {
            Action = ActionName,
            Target = request.Target,
            Before = before ?? after,
            After = after,
            UndoState = undoState,
            Verified = verified,
            Message = message ?? (verified ? "Every targeted proof is revoked in the roster." : "A targeted proof is still active."),
        });
    }

    public Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
        => throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
            $"A revoked proof is never reinstated (a leaked key stays leaked). Re-key '{request.Target}' with Add-DeirfIdentityProof instead.", request.Target);
}
