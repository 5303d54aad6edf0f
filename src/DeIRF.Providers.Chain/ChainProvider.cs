using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Identity;
using Nethereum.RPC.Eth.DTOs;

namespace DeIRF.Providers.Chain;

/// <summary>
/// On-chain containment against a JSON-RPC node: evm.contract.pause / evm.contract.unpause (an OpenZeppelin Pausable
/// contract whose pauser is the configured key) and evm.safe.freeze (a Safe multisig executes a call, e.g. pause(),
/// with the quorum's owner signatures). Targets are CAIP-10 (eip155:&lt;chain&gt;:&lt;checksummed address&gt;).
/// </summary>
public sealed class ChainProvider : IContainmentProvider, IContainmentPrecheck
{
    public const string Pause = "evm.contract.pause";
    public const string Unpause = "evm.contract.unpause";
    public const string SafeFreeze = SafeTransaction.ActionName;

    private static readonly string[] ContractParameters = ["rpc", "timeoutSeconds"];

    public IReadOnlyCollection<string> Actions { get; } = [Pause, Unpause, SafeFreeze];

    public Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => request.Action == SafeFreeze ? PlanSafeAsync(request, cancellationToken) : PlanContractAsync(request, cancellationToken);

    public Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
        => request.Action == SafeFreeze ? ApplySafeAsync(request, cancellationToken) : SetPausedAsync(request, request.Action == Pause, cancellationToken);

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var (target, client) = await ConnectAsync(request, requireKey: false, cancellationToken).ConfigureAwait(false);
        var contract = request.Action == SafeFreeze ? Text(undoState, "to") : target.Address;
        var paused = await PausedAsync(client, contract, cancellationToken).ConfigureAwait(false);
        var expected = request.Action == SafeFreeze ? Text(undoState, "call") != "unpause()" : request.Action == Pause;
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = new JsonObject(), After = new JsonObject { ["contract"] = contract, ["paused"] = paused },
            UndoState = (JsonObject)undoState.DeepClone(), Verified = paused == expected,
            Message = paused == expected ? string.Empty : $"{contract} is {(paused ? "paused" : "not paused")}",
        };
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        if (request.Action == SafeFreeze)
        {
            throw new ContainmentException("ContainmentUndoNotPossible", DeirfErrorKind.InvalidOperation,
                "A Safe transaction cannot be undone by DeIRF alone: the owners sign a new one. Propose evm.safe.freeze with -Parameter @{ call = 'unpause'; to = '…' }.",
                request.Target);
        }
        // Undo of a pause is an unpause (and the reverse), sent only when apply changed the state.
        if (Text(undoState, "contract") != Caip10.Parse(request.Target).Address)
        {
            throw new ContainmentException("ContainmentUndoStateMismatch", DeirfErrorKind.InvalidData, "The undo state names another contract.", request.Target);
        }
        var reverse = request.Action == Pause ? Unpause : Pause;
        if (undoState["changed"]?.GetValue<bool>() == false)
        {
            var (_, client) = await ConnectAsync(request, requireKey: false, cancellationToken).ConfigureAwait(false);
            var paused = await PausedAsync(client, Text(undoState, "contract"), cancellationToken).ConfigureAwait(false);
            return new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = new JsonObject { ["paused"] = paused }, After = new JsonObject { ["paused"] = paused },
                UndoState = (JsonObject)undoState.DeepClone(), Verified = true,
                Message = "apply changed nothing (the contract was already in that state), so undo sends nothing",
            };
        }
        var reversed = new ContainmentRequest(reverse, request.Target, request.Parameters, request.IncidentId, request.WorkspaceRoot, request.Secrets);
        var result = await SetPausedAsync(reversed, reverse == Pause, cancellationToken).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target, Before = result.Before, After = result.After, UndoState = result.UndoState,
            Verified = result.Verified, Message = $"undo sent {(reverse == Pause ? "pause()" : "unpause()")}. {result.Message}".Trim(),
        };
    }

    /// <summary>Before consumption: for a Safe freeze, the nonce, the owners and the threshold against the counted signatures.</summary>
    public async Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        if (request.Action != SafeFreeze)
        {
            return;
        }
        var tx = SafeTransaction.From(request.Target, request.Parameters);
        var (_, client) = await ConnectAsync(request, requireKey: true, cancellationToken).ConfigureAwait(false);
        OwnerSignatures(request, tx, await ReadSafeAsync(client, tx, cancellationToken).ConfigureAwait(false));
    }

    // ---- evm.contract.pause / unpause ----

    private async Task<ContainmentPlan> PlanContractAsync(ContainmentRequest request, CancellationToken ct)
    {
        var (target, client) = await ConnectAsync(request, requireKey: false, ct).ConfigureAwait(false);
        var pause = request.Action == Pause;
        var paused = await PausedAsync(client, target.Address, ct).ConfigureAwait(false);
        var block = await client.BlockNumberAsync(ct).ConfigureAwait(false);
        var warnings = new List<string>();
        var owner = await TryOwnerAsync(client, target.Address, ct).ConfigureAwait(false);
        if (client.Sender is null)
        {
            warnings.Add($"no key given (secret '{EvmClient.KeySecret}' or $env:DEIRF_EVM_KEY): apply will refuse");
        }
        else if (owner is not null && !string.Equals(owner, client.Sender, StringComparison.OrdinalIgnoreCase))
        {
            warnings.Add($"the sender {client.Sender} is not the contract's owner() {owner}: the transaction will likely revert");
        }
        if (paused == pause)
        {
            warnings.Add($"the contract is already {(pause ? "paused" : "not paused")}: nothing will be sent");
        }
        return new ContainmentPlan
        {
            Action = request.Action, Target = request.Target,
            Steps = paused == pause ? [] : [$"send {(pause ? "pause()" : "unpause()")} to {target.Address} on chain {target.ChainId} from {client.Sender ?? "(no key)"} via {client.Rpc}", "wait for the receipt", "read paused()"],
            Before = new JsonObject { ["paused"] = paused, ["block"] = block.ToString(CultureInfo.InvariantCulture), ["owner"] = owner, ["sender"] = client.Sender },
            Expected = new JsonObject { ["paused"] = pause },
            Warnings = warnings,
        };
    }

    private async Task<ContainmentResult> SetPausedAsync(ContainmentRequest request, bool pause, CancellationToken ct)
    {
        var (target, client) = await ConnectAsync(request, requireKey: true, ct).ConfigureAwait(false);
        var before = await PausedAsync(client, target.Address, ct).ConfigureAwait(false);
        var undo = new JsonObject
        {
            ["version"] = 1, ["chainId"] = target.ChainId.ToString(CultureInfo.InvariantCulture), ["contract"] = target.Address, ["changed"] = false,
        };
        if (before == pause)
        {
            return new ContainmentResult
            {
                Action = request.Action, Target = request.Target, Before = new JsonObject { ["paused"] = before }, After = new JsonObject { ["paused"] = before },
                UndoState = undo, Verified = true, Message = $"already {(pause ? "paused" : "not paused")}: nothing sent",
            };
        }
        var timeout = Timeout(request);
        TransactionReceipt receipt = pause
            ? await client.SendAsync(target.Address, new PauseFunction(), timeout, ct).ConfigureAwait(false)
            : await client.SendAsync(target.Address, new UnpauseFunction(), timeout, ct).ConfigureAwait(false);
        undo["changed"] = true;
        undo["transaction"] = receipt.TransactionHash;
        // Read back after the receipt: the effect, not the transaction, is what counts.
        var after = await PausedAsync(client, target.Address, CancellationToken.None).ConfigureAwait(false);
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target,
            Before = new JsonObject { ["paused"] = before },
            After = new JsonObject { ["paused"] = after, ["transaction"] = receipt.TransactionHash, ["block"] = receipt.BlockNumber.Value.ToString(CultureInfo.InvariantCulture), ["from"] = client.Sender },
            UndoState = undo, Verified = after == pause,
            Message = after == pause ? $"{(pause ? "pause()" : "unpause()")} mined in block {receipt.BlockNumber.Value} ({receipt.TransactionHash})" : $"paused() reads {after} after the receipt",
        };
    }

    // ---- evm.safe.freeze ----

    private async Task<ContainmentPlan> PlanSafeAsync(ContainmentRequest request, CancellationToken ct)
    {
        var tx = SafeTransaction.From(request.Target, request.Parameters);
        var (_, client) = await ConnectAsync(request, requireKey: false, ct).ConfigureAwait(false);
        var safe = await ReadSafeAsync(client, tx, ct).ConfigureAwait(false);
        var warnings = new List<string>();
        string[] signers = [];
        try
        {
            signers = OwnerSignatures(request, tx, safe).Select(s => s.Address).ToArray();
        }
        catch (ContainmentException ex)
        {
            warnings.Add(ex.Message);
        }
        if (client.Sender is null)
        {
            warnings.Add($"no executor key given (secret '{EvmClient.KeySecret}' or $env:DEIRF_EVM_KEY): apply will refuse");
        }
        if (tx.Call is null)
        {
            warnings.Add($"raw calldata {tx.DataHex} is executed by the Safe on {tx.To}: read it before signing");
        }
        bool? paused = await TryPausedAsync(client, tx.To, ct).ConfigureAwait(false);
        return new ContainmentPlan
        {
            Action = request.Action, Target = request.Target,
            Steps =
            [
                $"check Safe {tx.Safe.Address}: nonce {tx.Nonce} (now {safe.Nonce}), threshold {safe.Threshold}, signers owners ({string.Join(", ", signers)})",
                $"execTransaction: CALL {tx.To} {tx.Call ?? tx.DataHex} (safeTxHash {tx.HashHex}) from {client.Sender ?? "(no key)"}",
                "wait for the receipt; read the Safe nonce and paused() on the callee",
            ],
            Before = new JsonObject
            {
                ["nonce"] = safe.Nonce.ToString(CultureInfo.InvariantCulture), ["threshold"] = safe.Threshold.ToString(CultureInfo.InvariantCulture),
                ["owners"] = new JsonArray(safe.Owners.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()), ["paused"] = paused, ["safeTxHash"] = tx.HashHex,
            },
            Expected = new JsonObject { ["nonce"] = (tx.Nonce + 1).ToString(CultureInfo.InvariantCulture), ["paused"] = tx.Call == "unpause()" ? false : tx.Call == "pause()" ? true : null },
            Warnings = warnings,
        };
    }

    private async Task<ContainmentResult> ApplySafeAsync(ContainmentRequest request, CancellationToken ct)
    {
        var tx = SafeTransaction.From(request.Target, request.Parameters);
        var (_, client) = await ConnectAsync(request, requireKey: true, ct).ConfigureAwait(false);
        var safe = await ReadSafeAsync(client, tx, ct).ConfigureAwait(false);
        var owners = OwnerSignatures(request, tx, safe);
        // The Safe's own hash must be the one the owners signed (another Safe version or a lying node would differ).
        var onChain = await client.QueryAsync<GetTransactionHashFunction, byte[]>(tx.Safe.Address, new GetTransactionHashFunction
        {
            To = tx.To, Data = tx.Data, Nonce = tx.Nonce,
        }, ct).ConfigureAwait(false);
        if (!onChain.AsSpan().SequenceEqual(tx.Hash()))
        {
            throw new ContainmentException("SafeTxHashMismatch", DeirfErrorKind.SecurityError,
                $"The Safe computes 0x{Convert.ToHexString(onChain).ToLowerInvariant()} for this transaction, the owners signed {tx.HashHex}: refused (not a Safe 1.3/1.4.1?).", tx.HashHex);
        }
        var pausedBefore = await TryPausedAsync(client, tx.To, ct).ConfigureAwait(false);
        var receipt = await client.SendAsync(tx.Safe.Address, new ExecTransactionFunction
        {
            To = tx.To, Data = tx.Data, Signatures = EncodeSignatures(owners),
        }, Timeout(request), ct).ConfigureAwait(false);
        var nonceAfter = await client.QueryAsync<SafeNonceFunction, BigInteger>(tx.Safe.Address, new SafeNonceFunction(), CancellationToken.None).ConfigureAwait(false);
        var pausedAfter = await TryPausedAsync(client, tx.To, CancellationToken.None).ConfigureAwait(false);
        bool? expectedPaused = tx.Call == "pause()" ? true : tx.Call == "unpause()" ? false : null;
        var verified = nonceAfter == tx.Nonce + 1 && (expectedPaused is null || pausedAfter == expectedPaused);
        return new ContainmentResult
        {
            Action = request.Action, Target = request.Target,
            Before = new JsonObject { ["nonce"] = safe.Nonce.ToString(CultureInfo.InvariantCulture), ["paused"] = pausedBefore },
            After = new JsonObject
            {
                ["nonce"] = nonceAfter.ToString(CultureInfo.InvariantCulture), ["paused"] = pausedAfter, ["transaction"] = receipt.TransactionHash,
                ["block"] = receipt.BlockNumber.Value.ToString(CultureInfo.InvariantCulture), ["safeTxHash"] = tx.HashHex,
                ["owners"] = new JsonArray(owners.Select(o => (JsonNode)JsonValue.Create(o.Address)!).ToArray()),
            },
            UndoState = new JsonObject
            {
                ["version"] = 1, ["safe"] = tx.Safe.ToString(), ["to"] = tx.To, ["call"] = tx.Call, ["data"] = tx.DataHex,
                ["nonce"] = tx.Nonce.ToString(CultureInfo.InvariantCulture), ["transaction"] = receipt.TransactionHash,
            },
            Verified = verified,
            Message = verified
                ? $"execTransaction mined in block {receipt.BlockNumber.Value} ({receipt.TransactionHash}) with {owners.Count} owner signatures"
                : $"after execTransaction the Safe nonce is {nonceAfter} (expected {tx.Nonce + 1}) and paused() reads {pausedAfter?.ToString() ?? "nothing"}",
        };
    }

    internal sealed record SafeState(string[] Owners, BigInteger Threshold, BigInteger Nonce);

    internal sealed record OwnerSignature(string Address, string Responder, byte[] Signature);

    private static async Task<SafeState> ReadSafeAsync(EvmClient client, SafeTransaction tx, CancellationToken ct)
    {
        if ((await client.CodeAsync(tx.Safe.Address, ct).ConfigureAwait(false)) is null or "0x")
        {
            throw new ContainmentException("SafeNotFound", DeirfErrorKind.NotFound, $"There is no contract at {tx.Safe} (as the node at {client.Rpc} sees it).", tx.Safe.ToString());
        }
        var owners = await client.QueryAsync<GetOwnersFunction, List<string>>(tx.Safe.Address, new GetOwnersFunction(), ct).ConfigureAwait(false);
        var threshold = await client.QueryAsync<GetThresholdFunction, BigInteger>(tx.Safe.Address, new GetThresholdFunction(), ct).ConfigureAwait(false);
        var nonce = await client.QueryAsync<SafeNonceFunction, BigInteger>(tx.Safe.Address, new SafeNonceFunction(), ct).ConfigureAwait(false);
        if (nonce != tx.Nonce)
        {
            throw new ContainmentException("SafeNonceMoved", DeirfErrorKind.InvalidOperation,
                $"The Safe's nonce is {nonce}, the owners signed for nonce {tx.Nonce}: another Safe transaction ran since the proposal. "
                + "The signatures are for a transaction that can no longer execute; propose again (the new proposal binds the current nonce).", tx.Safe.ToString());
        }
        return new SafeState(owners.Select(o => Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(o)).ToArray(), threshold, nonce);
    }

    /// <summary>
    /// The quorum's counted signatures as Safe owner signatures: each must be an Ethereum signature over the Safe tx hash
    /// by an owner (SafeSignerNotOwner otherwise); one per owner address (the same owner twice counts once); at least the
    /// Safe's threshold of them (SafeThresholdNotMet); ordered by owner address ascending, as checkNSignatures requires.
    /// </summary>
    internal static IReadOnlyList<OwnerSignature> OwnerSignatures(ContainmentRequest request, SafeTransaction tx, SafeState safe)
    {
        var hash = tx.Hash();
        var byOwner = new SortedDictionary<string, OwnerSignature>(StringComparer.Ordinal);
        foreach (var s in request.QuorumSignatures.Where(s => s.IsCounted && !s.IsApproval))
        {
            if (s.Kind != nameof(ProofKind.Ethereum))
            {
                throw new ContainmentException("SafeSignerNotOwner", DeirfErrorKind.SecurityError,
                    $"'{s.Responder}' signed with a {s.Kind} proof; only Ethereum signatures of Safe owners can be submitted to the Safe.", s.Responder);
            }
            // Re-check through the one verification entry point: the recovered address is the owner.
            var check = Signatures.Verify(Signatures.ParsePublicKey(ProofKind.Ethereum, s.Fingerprint), hash, s.Signature);
            if (!check.IsValid)
            {
                throw new ContainmentException("SafeSignatureInvalid", DeirfErrorKind.SecurityError,
                    $"The signature by '{s.Responder}' is not over this Safe transaction hash {tx.HashHex}: {check.Reason}.", s.Responder);
            }
            var address = check.Fingerprint;
            if (!safe.Owners.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                throw new ContainmentException("SafeSignerNotOwner", DeirfErrorKind.SecurityError,
                    $"'{s.Responder}' ({address}) is not an owner of Safe {tx.Safe.Address} (owners: {string.Join(", ", safe.Owners)}).", s.Responder);
            }
            byOwner.TryAdd(address.ToLowerInvariant(), new OwnerSignature(address, s.Responder, SafeSignatureBytes(s.Signature)));
        }
        if (byOwner.Count < safe.Threshold)
        {
            throw new ContainmentException("SafeThresholdNotMet", DeirfErrorKind.SecurityError,
                $"Safe {tx.Safe.Address} needs {safe.Threshold} owner signatures; the quorum holds {byOwner.Count} distinct owner(s) "
                + $"({string.Join(", ", byOwner.Values.Select(o => $"{o.Responder} {o.Address}"))}).", tx.Safe.ToString());
        }
        return byOwner.Values.ToList();
    }

    /// <summary>r ‖ s ‖ v+4: Safe's eth_sign form (v 31/32: ecrecover over "\x19Ethereum Signed Message:\n32" ‖ hash).</summary>
    private static byte[] SafeSignatureBytes(string signature)
    {
        var t = signature.Trim();
        var bytes = Convert.FromHexString(t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? t[2..] : t);
        var v = bytes[64] < 27 ? bytes[64] + 27 : bytes[64];
        bytes[64] = (byte)(v + 4);
        return bytes;
    }

    internal static byte[] EncodeSignatures(IReadOnlyList<OwnerSignature> owners) => owners.SelectMany(o => o.Signature).ToArray();

    // ---- shared ----

    private static async Task<(Caip10 Target, EvmClient Client)> ConnectAsync(ContainmentRequest request, bool requireKey, CancellationToken ct)
    {
        var known = request.Action == SafeFreeze ? SafeTransaction.KnownParameters : ContractParameters;
        foreach (var name in request.Parameters.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)))
        {
            throw new ContainmentException("ContainmentParameterUnknown", DeirfErrorKind.InvalidArgument,
                $"{request.Action} has no parameter '{name}' (known: {string.Join(", ", known)}).", name);
        }
        var target = Caip10.Parse(request.Target);
        Timeout(request);
        var client = await EvmClient.ConnectAsync(request.RequireParameter("rpc"), target.ChainId, request.Secrets, requireKey, ct).ConfigureAwait(false);
        return (target, client);
    }

    private static TimeSpan Timeout(ContainmentRequest request)
    {
        var text = request.Parameter("timeoutSeconds");
        if (text is null)
        {
            return TimeSpan.FromSeconds(120);
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 3600
            ? TimeSpan.FromSeconds(s)
            : throw new ContainmentException("ContainmentParameterInvalid", DeirfErrorKind.InvalidArgument, "'timeoutSeconds' is 1–3600.", text);
    }

    private static Task<bool> PausedAsync(EvmClient client, string contract, CancellationToken ct)
        => client.QueryAsync<PausedFunction, bool>(contract, new PausedFunction(), ct);

    private static async Task<bool?> TryPausedAsync(EvmClient client, string contract, CancellationToken ct)
    {
        try
        {
            return await PausedAsync(client, contract, ct).ConfigureAwait(false);
        }
        catch (ContainmentException)
        {
            return null; // the callee need not be Pausable
        }
    }

    private static async Task<string?> TryOwnerAsync(EvmClient client, string contract, CancellationToken ct)
    {
        try
        {
            return await client.QueryAsync<OwnerFunction, string>(contract, new OwnerFunction(), ct).ConfigureAwait(false);
        }
        catch (ContainmentException)
        {
            return null;
        }
    }

    private static string Text(JsonObject o, string name) => o[name]?.GetValue<string>() ?? string.Empty;
}
