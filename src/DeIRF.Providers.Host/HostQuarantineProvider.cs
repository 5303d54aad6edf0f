using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using DeIRF.Containment;
using DeIRF.Evidence;
using DeIRF.Workspaces;

namespace DeIRF.Providers.Host;

/// <summary>
/// <c>host.quarantine</c> (Linux): over SSH, loads one nftables table, <c>inet deirf_quarantine</c>, that drops every
/// packet in, out and forwarded except SSH from (and back to) the allow list and loopback, commit-confirmed: the host
/// schedules its own revert before the rules load, DeIRF verifies over a new connection, and only then confirms.
/// Loaded by <see cref="ContainmentProviders"/> for actions starting with "host.".
/// </summary>
/// <remarks>
/// Parameters (signed): ssh (user@host[:port]), allow (CIDRs, comma-separated), confirmWithin (hh:mm:ss, default
/// 00:02:00), hostKey (SHA256:... fingerprints) or knownHosts (a file), identityFile, probe (host:port outside the allow
/// list the host must no longer reach), helper (the helper installed on the host), connectTimeout (seconds).
/// No secret: authentication is the user's OpenSSH setup (agent, key, certificate).
/// </remarks>
public sealed class HostQuarantineProvider : IContainmentProvider, IContainmentPrecheck, ISshCertificateScope
{
    public const string QuarantineAction = "host.quarantine";
    public const string Table = "inet deirf_quarantine";

    /// <summary>Lowest priority DeIRF's chains take when no existing chain is earlier (nftables' conntrack is -200).</summary>
    public const int DefaultPriority = -200;

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(HostQuarantineProvider).Assembly.GetManifestResourceStream("deirf-quarantine.sh")
            ?? throw new InvalidOperationException("deirf-quarantine.sh is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The host helper's text (what is sent inline, and what a host installs as a certificate's force-command).</summary>
    public static string HelperScript => Script.Value;

    public IReadOnlyCollection<string> Actions { get; } = new[] { QuarantineAction };

    /// <summary>Tests: called once the rules are loaded and before verification (kills DeIRF's connection, cuts the network).</summary>
    internal Func<SshSession, Task>? AfterLoadForTest { get; set; }

    public async Task<ContainmentPlan> PlanAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        if (spec.Windows)
        {
            return WindowsPlan(request, spec);
        }
        using var ssh = new OpenSsh(spec);
        var reply = await ssh.RunAsync(Command(spec, "inspect", ("allow", spec.AllowText), ("port", Port(spec)), ("probe", spec.Probe)),
            Timeout(spec), cancellationToken).ConfigureAwait(false);
        reply.ThrowIfError(spec.Target);
        var inspect = Inspection.Of(reply, spec);
        int priority = PriorityBefore(inspect.Ruleset);

        var rules = inspect.Rules?.Replace($"priority {DefaultPriority};", $"priority {priority};", StringComparison.Ordinal);
        var steps = new List<string>
        {
            $"connect to {spec.Destination} ({HostKeyText(spec)}, BatchMode)",
            $"capture 'ss -tanp' and the process list over that session into the evidence store (target {spec.Target}), before any rule loads",
            $"schedule on the host: delete table {Table} after {spec.ConfirmWithin.TotalSeconds:0} s unless DeIRF confirms",
            $"load table {Table} at priority {priority} (before every existing chain): drop all in/out/forward except SSH port {spec.Port} with {spec.AllowText} and loopback",
        };
        if (rules is not null)
        {
            steps.AddRange(rules.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l.Replace('\t', ' ').TrimEnd()));
        }
        steps.Add($"verify over a NEW SSH connection: management still works and the table is the one loaded"
            + (spec.Probe is null ? string.Empty : $"; from the host, {spec.Probe} must no longer answer"));
        steps.Add("then confirm: cancel the host's revert (if verification fails or DeIRF stops, the host deletes the table alone)");

        var warnings = new List<string>();
        if (!inspect.HasNft)
        {
            warnings.Add($"{spec.Destination} has no nft: apply will refuse (HostNftMissing). Install nftables on the host.");
        }
        if (inspect.Existing is not null)
        {
            warnings.Add($"Another quarantine is loaded already (table {Table}, sha256 {inspect.Existing.Value.Sha256[..12]}): apply will refuse (HostQuarantineExists).");
        }
        if (inspect.ClientAddress is { } client && !spec.Allows(client))
        {
            warnings.Add($"The management path would be cut: this connection comes from {client}, outside the allow list {spec.AllowText}. "
                + $"Verification will fail and the host revert alone after {spec.ConfirmWithin.TotalSeconds:0} s.");
        }
        else if (inspect.ClientAddress is null)
        {
            warnings.Add("The host did not say where this connection comes from (SSH_CONNECTION): whether management stays open is not checked.");
        }
        if (spec.Probe is null)
        {
            warnings.Add("No probe: verification checks management and the loaded table, not that an outside address is cut off.");
        }
        else if (inspect.Probe == "blocked")
        {
            warnings.Add($"The probe {spec.Probe} does not answer the host even now: after the quarantine it proves nothing.");
        }
        else if (inspect.Probe == "unavailable")
        {
            warnings.Add($"The host has no bash or timeout to probe {spec.Probe} with: verification will fail.");
        }
        if (spec.HostKeys.Count == 0 && spec.KnownHosts is null)
        {
            warnings.Add("No hostKey or knownHosts parameter: the host key is checked against your own known_hosts only.");
        }
        if (inspect.Uid is not "0")
        {
            warnings.Add($"The login is not root (uid {inspect.Uid}): nft, ss and kill run through 'sudo -n', which must be allowed without a password.");
        }

        return new ContainmentPlan
        {
            Action = request.Action,
            Target = spec.Target,
            Steps = steps,
            Before = State(spec, inspect.Ruleset, inspect.Existing?.Json, inspect.NftVersion),
            Expected = new JsonObject
            {
                ["host"] = spec.Destination,
                ["table"] = Table,
                ["priority"] = priority,
                ["allow"] = spec.AllowText,
                ["rules"] = rules,
            },
            Warnings = warnings,
        };
    }

    /// <summary>Before the approvals are used: the host answers with its pinned key, has nft and no quarantine yet.</summary>
    public async Task CheckAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        NotOnWindows(spec);
        using var ssh = new OpenSsh(spec);
        var reply = await ssh.RunAsync(Command(spec, "inspect", ("allow", spec.AllowText), ("port", Port(spec))), Timeout(spec), cancellationToken).ConfigureAwait(false);
        reply.ThrowIfError(spec.Target);
        var inspect = Inspection.Of(reply, spec);
        if (!inspect.HasNft)
        {
            throw new ContainmentException("HostNftMissing", DeirfErrorKind.ResourceUnavailable, $"{spec.Destination} has no nft: nothing can be loaded.", spec.Target);
        }
        if (inspect.Existing is not null)
        {
            throw new ContainmentException("HostQuarantineExists", DeirfErrorKind.AlreadyExists,
                $"{spec.Destination} already has table {Table} (another quarantine); undo it first.", spec.Target);
        }
    }

    public async Task<ContainmentResult> ApplyAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        NotOnWindows(spec);
        using var ssh = new OpenSsh(spec);
        await using var session = ssh.Start(Command(spec, "apply", ("allow", spec.AllowText), ("port", Port(spec)),
            ("confirm", ((int)spec.ConfirmWithin.TotalSeconds).ToString(CultureInfo.InvariantCulture))));
        var seen = new List<string>();

        // 1. Before anything changes: the ruleset and the evidence, over this session.
        await ReadUntil(session, seen, "ready", Timeout(spec), spec, cancellationToken).ConfigureAwait(false);
        var ruleset = HelperReply.Ruleset(HelperReply.Parse(seen, "ruleset"), spec.Destination);
        var evidence = seen.Where(l => l.StartsWith("DEIRF evidence ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2..]).Select(v => (Name: v[0], Sha: v.Length > 1 ? v[1] : string.Empty, Bytes: HelperReply.Checked(v, 1, "evidence " + v[0], spec.Destination)))
            .ToList();
        var stored = StoreEvidence(request, spec, evidence);
        int priority = PriorityBefore(ruleset);

        // 2. The host schedules its revert, then loads.
        await session.WriteLineAsync("go " + priority.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var loadWindow = TimeSpan.FromSeconds(Math.Min(15, Math.Max(3, spec.ConfirmWithin.TotalSeconds / 2)));
        bool answered = await QuietRead(session, seen, "table", loadWindow, spec, cancellationToken, keepHelperErrors: true).ConfigureAwait(false);
        var revert = HelperReply.Parse(seen, "revert");
        var revertAt = DateTimeOffset.UtcNow + spec.ConfirmWithin;
        var loaded = answered ? HelperReply.TableOf(HelperReply.Parse(seen, "table")!, spec.Destination) : null;
        if (AfterLoadForTest is { } hook)
        {
            await hook(session).ConfigureAwait(false);
        }

        // 3. A NEW connection must still get in and see exactly the loaded table; the probe must fail.
        string? failure;
        HelperReply? status = null;
        try
        {
            status = await Status(spec, cancellationToken).ConfigureAwait(false);
            failure = Judge(spec, status, loaded);
        }
        catch (ContainmentException ex) when (ex.ErrorId is "HostUnreachable" or "HostAuthenticationFailed")
        {
            failure = $"a new SSH connection no longer gets in ({ex.Message}): the management path is cut";
        }

        if (failure is not null || loaded is null)
        {
            await session.WriteLineAsync("abort").ConfigureAwait(false);
            bool reverted = await QuietRead(session, seen, "reverted", TimeSpan.FromSeconds(5), spec, cancellationToken).ConfigureAwait(false);
            throw new ContainmentException("HostQuarantineReverted", DeirfErrorKind.InvalidOperation,
                $"{spec.Destination}: verification failed ({failure ?? "the host did not report the loaded table"}); "
                + (reverted ? "the host deleted the table again." : $"the host deletes the table alone by {revertAt:HH:mm:ss} UTC (commit-confirmed, pid {revert?.FirstOrDefault() ?? "?"})."),
                spec.Target);
        }

        // 4. Confirm: the host cancels its revert.
        await session.WriteLineAsync("confirm").ConfigureAwait(false);
        bool confirmed = await QuietRead(session, seen, "confirmed", TimeSpan.FromSeconds(10), spec, cancellationToken).ConfigureAwait(false);
        var after = await Status(spec, cancellationToken).ConfigureAwait(false);
        var now = after.Table();
        bool verified = confirmed && now is { } n && n.Sha256 == loaded.Value.Sha256;
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Target,
            Before = State(spec, ruleset, null, null),
            After = State(spec, null, now?.Json, null),
            UndoState = new JsonObject
            {
                ["host"] = spec.Destination,
                ["table"] = Table,
                ["sha256"] = loaded.Value.Sha256,
                ["loaded"] = loaded.Value.Json.DeepClone(),
                ["revertPid"] = revert?.FirstOrDefault(),
            },
            Verified = verified,
            Message = verified
                ? $"{spec.Target} ({spec.Destination}) quarantined: table {Table} loaded at priority {priority}, a new SSH connection still gets in"
                  + (spec.Probe is null ? string.Empty : $", {spec.Probe} no longer answers the host") + $"; revert cancelled. Evidence: {string.Join(", ", stored.Select(s => s["name"] + " " + s["sha256"]))}."
                : confirmed
                    ? $"Confirmed, but the read-back of {Table} on {spec.Destination} does not match what was loaded."
                    : $"The host did not acknowledge the confirmation: if it never arrived, the host deletes the table by {revertAt:HH:mm:ss} UTC. Read it with Get-DeirfContainment -Verify.",
            Ran = new JsonObject
            {
                ["helper"] = spec.HelperPath ?? "inline",
                ["sha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(HelperScript))).ToLowerInvariant(),
                ["evidence"] = new JsonArray(stored.Select(s => (JsonNode)s).ToArray()),
            },
        };
    }

    public async Task<ContainmentResult> VerifyAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        NotOnWindows(spec);
        var sha = UndoSha(undoState, spec);
        var status = await Status(spec, cancellationToken).ConfigureAwait(false);
        var now = status.Table();
        bool verified = now is { } n && n.Sha256 == sha && Judge(spec, status, now) is null;
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Target,
            Before = new JsonObject { ["host"] = spec.Destination, ["table"] = undoState["loaded"]?.DeepClone() },
            After = State(spec, null, now?.Json, null),
            UndoState = undoState.DeepClone().AsObject(),
            Verified = verified,
            Message = verified
                ? $"{Table} on {spec.Destination} is still the table DeIRF loaded" + (spec.Probe is null ? "." : $", and {spec.Probe} does not answer the host.")
                : now is null ? $"{Table} is gone from {spec.Destination}: the host is not quarantined."
                : $"{Table} on {spec.Destination} is not the table DeIRF loaded (sha256 {now.Value.Sha256[..12]}), or the probe answers.",
        };
    }

    public async Task<ContainmentResult> UndoAsync(ContainmentRequest request, JsonObject undoState, CancellationToken cancellationToken)
    {
        var spec = Parse(request);
        NotOnWindows(spec);
        var sha = UndoSha(undoState, spec);
        using var ssh = new OpenSsh(spec);
        var reply = await ssh.RunAsync(Command(spec, "undo", ("expect", sha), ("port", Port(spec))), Timeout(spec), cancellationToken).ConfigureAwait(false);
        reply.ThrowIfError(spec.Target);
        var before = reply.Table();
        var after = await Status(spec, cancellationToken).ConfigureAwait(false);
        bool gone = after.Table() is null;
        bool wasThere = reply.Text("undone") == "deleted";
        return new ContainmentResult
        {
            Action = request.Action,
            Target = spec.Target,
            Before = State(spec, null, before?.Json, null),
            After = State(spec, null, null, null),
            UndoState = new JsonObject { ["host"] = spec.Destination, ["table"] = Table, ["deleted"] = wasThere },
            Verified = gone,
            Message = !gone ? $"{Table} is still on {spec.Destination} after the delete."
                : wasThere ? $"{Table} (sha256 {sha[..12]}, exactly the table DeIRF loaded) deleted from {spec.Destination}; the host's traffic flows as before."
                : $"{Table} was already gone from {spec.Destination} (reverted or deleted by hand); nothing to delete.",
        };
    }

    /// <summary>Windows: the plan is the generated scripts (nothing is read from the host); nothing else runs.</summary>
    private static ContainmentPlan WindowsPlan(ContainmentRequest request, QuarantineSpec spec)
    {
        var apply = WindowsFirewallScript.Apply(spec);
        var steps = new List<string>
        {
            $"over PowerShell remoting on SSH to {spec.Destination}, as an administrator, run this script (apply):",
        };
        steps.AddRange(apply.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l));
        steps.Add($"verify over a new session: Get-NetFirewallRule -Group '{WindowsFirewallScript.Group}' shows exactly {string.Join(", ", WindowsFirewallScript.RuleNames)}");
        steps.Add($"confirm: Unregister-ScheduledTask -TaskName '{WindowsFirewallScript.RevertTask}' (else the host reverts after {spec.ConfirmWithin.TotalSeconds:0} s)");
        return new ContainmentPlan
        {
            Action = request.Action,
            Target = spec.Target,
            Steps = steps,
            Before = new JsonObject { ["host"] = spec.Destination, ["os"] = "windows", ["read"] = false },
            Expected = new JsonObject
            {
                ["host"] = spec.Destination,
                ["group"] = WindowsFirewallScript.Group,
                ["rules"] = new JsonArray(WindowsFirewallScript.RuleNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                ["applyScript"] = apply,
                ["confirmScript"] = WindowsFirewallScript.Confirm(),
            },
            Warnings =
            [
                "Windows: DeIRF generates these scripts but does not run them (no Windows host in its tests): Invoke-DeirfContainment refuses (HostWindowsNotRun). Run them by hand, and the undo script from docs/providers.md.",
                "ICMP from and to the allow list is not blocked (Windows Firewall block rules cannot say 'every protocol but TCP').",
            ],
        };
    }

    private static void NotOnWindows(QuarantineSpec spec)
    {
        if (spec.Windows)
        {
            throw new ContainmentException("HostWindowsNotRun", DeirfErrorKind.InvalidOperation,
                $"host.quarantine for Windows ({spec.Destination}) is generated, not run: see the scripts with -WhatIf and run them over PowerShell remoting yourself.", spec.Target);
        }
    }

    private static async Task<HelperReply> Status(QuarantineSpec spec, CancellationToken cancellationToken)
    {
        using var ssh = new OpenSsh(spec);
        var reply = await ssh.RunAsync(Command(spec, "status", ("port", Port(spec)), ("probe", spec.Probe)), Timeout(spec), cancellationToken).ConfigureAwait(false);
        reply.ThrowIfError(spec.Target);
        return reply;
    }

    /// <summary>Why a status read over a new connection does not show the quarantine as loaded; null when it does.</summary>
    private static string? Judge(QuarantineSpec spec, HelperReply status, (string Sha256, JsonNode Json)? loaded)
    {
        var now = status.Table();
        if (now is null)
        {
            return $"table {Table} is not loaded";
        }
        if (loaded is { } l && l.Sha256 != now.Value.Sha256)
        {
            return $"table {Table} is not the one loaded";
        }
        var probe = status.Get("probe");
        if (spec.Probe is not null && probe?.FirstOrDefault() != "blocked")
        {
            return $"the probe {spec.Probe} is {probe?.FirstOrDefault() ?? "not reported"} from the host";
        }
        return null;
    }

    private static QuarantineSpec Parse(ContainmentRequest request)
    {
        if (!string.Equals(request.Action, QuarantineAction, StringComparison.Ordinal))
        {
            throw new ContainmentException("ContainmentActionUnknown", DeirfErrorKind.InvalidArgument,
                $"The host provider serves only {QuarantineAction}, not '{request.Action}'.", request.Action);
        }
        var spec = QuarantineSpec.Parse(request);
        UserCertificate.CheckFor(spec, DateTimeOffset.UtcNow);
        return spec;
    }

    /// <summary>
    /// What a certificate for this proposal may run on the host: the installed helper, bound to the proposal digest,
    /// to apply or undo, and to the signed allow list, port and window.
    /// </summary>
    public string ForceCommand(ContainmentRequest request, string proposalId, bool undo)
    {
        var spec = QuarantineSpec.Parse(request);
        NotOnWindows(spec);
        if (spec.HelperPath is null)
        {
            throw new ContainmentException("HostHelperRequired", DeirfErrorKind.InvalidArgument,
                "A certificate's force-command runs the helper installed on the host: the proposal must name it (helper = '/usr/local/lib/deirf/deirf-quarantine').", spec.Target);
        }
        if (proposalId.Length != 64 || !proposalId.All(char.IsAsciiHexDigitLower))
        {
            throw new ContainmentException("HostQuarantineParameterInvalid", DeirfErrorKind.InvalidArgument, $"'{proposalId}' is not a proposal digest.", proposalId);
        }
        return $"{spec.HelperPath} --forced --proposal {proposalId} --action {(undo ? "undo" : "apply")} --allow {spec.AllowText} "
            + $"--port {Port(spec)} --confirm {((int)spec.ConfirmWithin.TotalSeconds).ToString(CultureInfo.InvariantCulture)}";
    }

    private static string UndoSha(JsonObject undoState, QuarantineSpec spec)
        => undoState["sha256"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 64 && s.All(char.IsAsciiHexDigitLower)
            ? s
            : throw new ContainmentException("HostUndoStateInvalid", DeirfErrorKind.InvalidData,
                $"The undo state for {spec.Target} names no table hash (sha256).", spec.Target);

    private static string Port(QuarantineSpec spec) => spec.Port.ToString(CultureInfo.InvariantCulture);

    private static TimeSpan Timeout(QuarantineSpec spec) => TimeSpan.FromSeconds(spec.ConnectTimeoutSeconds + 20);

    /// <summary>The command line the host runs: the installed helper, or this provider's own sent inline through sh -c.</summary>
    internal static string Command(QuarantineSpec spec, string subcommand, params (string Name, string? Value)[] options)
    {
        // The proposal being run: a certificate's force-command compares it with the one it was issued for.
        options = [.. options, ("proposal", spec.ProposalId)];
        // Values were checked by QuarantineSpec (and are checked again by the helper): no quoting needed, and none is
        // wanted, since a certificate's force-command reads the words of SSH_ORIGINAL_COMMAND as they are.
        var words = new List<string> { subcommand };
        foreach (var (name, value) in options)
        {
            if (value is not null)
            {
                words.Add("--" + name);
                words.Add(value);
            }
        }
        var line = string.Join(' ', words);
        return spec.HelperPath is { } helper ? helper + " " + line : "sh -c " + ShellQuote(HelperScript) + " deirf-quarantine " + line;
    }

    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A priority before every base chain on the input, output and forward hooks (at most <see cref="DefaultPriority"/>).</summary>
    internal static int PriorityBefore(JsonNode? ruleset)
    {
        int min = DefaultPriority + 10;
        foreach (var item in (ruleset?["nftables"] as JsonArray) ?? [])
        {
            if (item?["chain"] is JsonObject chain && chain["hook"]?.GetValue<string>() is "input" or "output" or "forward" or "prerouting" or "postrouting"
                && chain["family"]?.GetValue<string>() is "ip" or "ip6" or "inet"
                && chain["table"]?.GetValue<string>() != "deirf_quarantine"
                && chain["prio"] is JsonValue p && p.TryGetValue<int>(out var prio))
            {
                min = Math.Min(min, prio);
            }
        }
        return Math.Max(int.MinValue + 10, Math.Min(DefaultPriority, min - 10));
    }

    private static string HostKeyText(QuarantineSpec spec)
        => spec.HostKeys.Count > 0 ? "host key pinned to " + string.Join(", ", spec.HostKeys)
            : spec.KnownHosts is not null ? "host key from " + spec.KnownHosts
            : "host key from your known_hosts";

    private static JsonObject State(QuarantineSpec spec, JsonNode? ruleset, JsonNode? table, string? nftVersion)
    {
        var state = new JsonObject { ["host"] = spec.Destination, ["table"] = table?.DeepClone() };
        if (ruleset is not null)
        {
            state["tables"] = new JsonArray(((ruleset["nftables"] as JsonArray) ?? [])
                .Select(i => i?["table"]).Where(t => t is not null)
                .Select(t => (JsonNode)JsonValue.Create($"{t!["family"]} {t["name"]}")!).ToArray());
            var text = ruleset.ToJsonString();
            // The whole ruleset when it is small; its hash when a journal line would grow too large.
            state[text.Length <= 32768 ? "ruleset" : "rulesetSha256"] = text.Length <= 32768
                ? ruleset.DeepClone()
                : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
        }
        if (nftVersion is not null)
        {
            state["nft"] = nftVersion;
        }
        return state;
    }

    private static async Task ReadUntil(SshSession session, List<string> seen, string key, TimeSpan timeout, QuarantineSpec spec, CancellationToken cancellationToken)
    {
        if (!await TryReadUntil(session, seen, key, timeout, spec, cancellationToken).ConfigureAwait(false))
        {
            throw new ContainmentException("HostUnreachable", DeirfErrorKind.ResourceUnavailable,
                $"{spec.Destination} did not answer '{key}' within {timeout.TotalSeconds:0} s; nothing was loaded.", spec.Target);
        }
    }

    /// <summary>
    /// Once the rules may be loaded, a dropped session is an expected outcome (the quarantine may cut it): false, and
    /// verification over a new connection decides. Only the helper's own errors still throw, when asked.
    /// </summary>
    private static async Task<bool> QuietRead(SshSession session, List<string> seen, string key, TimeSpan timeout, QuarantineSpec spec,
        CancellationToken cancellationToken, bool keepHelperErrors = false)
    {
        try
        {
            return await TryReadUntil(session, seen, key, timeout, spec, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainmentException ex) when (!keepHelperErrors || ex.ErrorId is "HostUnreachable" or "HostAuthenticationFailed")
        {
            return false;
        }
    }

    /// <summary>Reads lines until "DEIRF key"; false on timeout or end of output. A helper error or an ssh failure throws.</summary>
    private static async Task<bool> TryReadUntil(SshSession session, List<string> seen, string key, TimeSpan timeout, QuarantineSpec spec, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (await session.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
            {
                seen.Add(line);
                HelperReply.ThrowIfError([line], spec.Destination, spec.Target);
                if (line == "DEIRF " + key || line.StartsWith("DEIRF " + key + " ", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        await session.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        session.ThrowIfSshFailed();
        return false;
    }

    private static List<JsonObject> StoreEvidence(ContainmentRequest request, QuarantineSpec spec, IReadOnlyList<(string Name, string Sha, byte[] Bytes)> items)
    {
        var result = items.Select(i => new JsonObject { ["name"] = i.Name, ["sha256"] = i.Sha, ["size"] = i.Bytes.Length }).ToList();
        if (request.WorkspaceRoot is null || request.IncidentId is null)
        {
            return result;
        }
        var collector = request.Actor ?? throw new ContainmentException("ActorMissing", DeirfErrorKind.InvalidArgument,
            "host.quarantine stores evidence as the executing responder, and none was given.", spec.Target);
        var ws = Workspace.Open(request.WorkspaceRoot);
        var capture = new EvidenceCapture(ws, request.IncidentId);
        var dir = Directory.CreateTempSubdirectory("deirf-host-evidence-").FullName;
        try
        {
            var safe = new string(spec.Target.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
            for (int i = 0; i < items.Count; i++)
            {
                var path = Path.Combine(dir, $"{safe}-{items[i].Name}.txt");
                File.WriteAllBytes(path, items[i].Bytes);
                var item = capture.Capture(new EvidenceFile(path, items[i].Bytes.Length), spec.Target, collector,
                    new EvidenceCaptureOptions(), request.AppendOptions);
                if (!string.Equals(item.Sha256, items[i].Sha, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ContainmentException("HostReplyCorrupt", DeirfErrorKind.InvalidData,
                        $"The stored {items[i].Name} hashes to {item.Sha256}, the host said {items[i].Sha}.", spec.Target);
                }
                result[i]["seq"] = item.Seq;
            }
        }
        finally
        {
            (capture.Store as IDisposable)?.Dispose();
            Directory.Delete(dir, recursive: true);
        }
        return result;
    }

    /// <summary>What an "inspect" reply says about the host.</summary>
    private sealed record Inspection(bool HasNft, string? NftVersion, string? Uid, IPAddress? ClientAddress, JsonNode? Ruleset,
        (string Sha256, JsonNode Json)? Existing, string? Probe, string? Rules)
    {
        public static Inspection Of(HelperReply reply, QuarantineSpec spec)
        {
            var nft = reply.Text("nft");
            bool has = nft is not null && nft != "none";
            var session = reply.Get("session");
            IPAddress? client = session is { Length: >= 1 } && IPAddress.TryParse(session[0], out var a) ? a : null;
            string? rules = reply.Get("rules") is [var b64] ? HelperReply.Utf8(Convert.FromBase64String(b64)) : null;
            return new Inspection(has, has ? nft : null, reply.Text("uid"), client, has ? HelperReply.Ruleset(reply.Get("ruleset"), spec.Destination) : null,
                has ? reply.Table() : null, reply.Get("probe")?.FirstOrDefault(), rules);
        }
    }
}
