using System.Management.Automation;
using System.Runtime.InteropServices;
using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Shared by every DeIRF cmdlet: Ctrl+C cancellation, path resolution against the PowerShell location, and the
/// mapping of engine failures to error records with stable ids and the offending input as target.
/// </summary>
public abstract class DeirfCmdlet : PSCmdlet
{
    private CancellationTokenSource? _cancellation;

    protected CancellationToken CancellationToken => (_cancellation ??= new CancellationTokenSource()).Token;

    protected override void BeginProcessing()
    {
        _cancellation ??= new CancellationTokenSource();
    }

    protected override void StopProcessing() => _cancellation?.Cancel();

    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>Resolves a user-supplied path against the PowerShell location, not the process directory.</summary>
    protected internal string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    protected static DeIRF.Identity.ProofKind ParseKind(string kind) => DeIRF.Identity.ProofKind.Parse(kind);

    /// <summary>Reads a private key file for one operation; the passphrase is copied out of the SecureString and wiped after.</summary>
    protected DeIRF.Identity.PrivateKeyMaterial ReadPrivateKey(string keyPath, System.Security.SecureString? passphrase)
    {
        var full = ResolvePath(keyPath);
        if (!File.Exists(full))
        {
            throw new DeirfException("PrivateKeyNotFound", DeirfErrorKind.NotFound, $"Key file '{full}' does not exist.", keyPath);
        }
        return DeIRF.Identity.PrivateKeyMaterial.FromFile(full, ToChars(passphrase));
    }

    protected static char[]? ToChars(System.Security.SecureString? secure)
    {
        if (secure is null)
        {
            return null;
        }
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            var chars = new char[secure.Length];
            Marshal.Copy(ptr, chars, 0, chars.Length);
            return chars;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }


    /// <summary>The environment variable naming who is at the keyboard (or which automation account runs).</summary>
    public const string ActorVariable = "DEIRF_ACTOR";

    /// <summary>
    /// Who acts: -Actor, else the one responder this machine signs as in <paramref name="ws"/> (Set-DeirfSigningKey),
    /// else $env:DEIRF_ACTOR, else <paramref name="fallback"/>. Every journaled change names who made it, so with
    /// none of these the cmdlet refuses (ActorMissing) rather than guess; -Verbose says which source was used.
    /// </summary>
    protected string ResolveActor(Workspaces.Workspace? ws, string? actor, string? fallback = null)
    {
        if (actor is { Length: > 0 })
        {
            WriteVerbose($"Acting as '{actor}' (-Actor).");
            return actor;
        }
        if (ws is not null)
        {
            var signers = Identity.SigningKeys.HandlesFor(ws.WorkspaceId);
            if (signers.Count == 1)
            {
                WriteVerbose($"Acting as '{signers[0]}': the responder this machine signs as in this workspace (Set-DeirfSigningKey).");
                return signers[0];
            }
            if (signers.Count > 1)
            {
                // Several people share this machine's configuration: picking one would be a guess.
                WriteVerbose($"This machine signs as several responders in this workspace ({string.Join(", ", signers)}): not choosing one.");
            }
        }
        if (Environment.GetEnvironmentVariable(ActorVariable) is { Length: > 0 } env && env.Trim() is { Length: > 0 } handle)
        {
            WriteVerbose($"Acting as '{handle}' ($env:{ActorVariable}).");
            return handle;
        }
        if (fallback is { Length: > 0 })
        {
            WriteVerbose($"Acting as '{fallback}' (the default for this cmdlet).");
            return fallback;
        }
        throw new DeirfException("ActorMissing", DeirfErrorKind.InvalidArgument,
            $"Say who is acting: pass -Actor <handle>, set $env:{ActorVariable} once for the session (automation: the account's handle), or configure your key with Set-DeirfSigningKey -Responder <you>.", ActorVariable);
    }

    /// <summary>
    /// ShouldProcess for one step of a cmdlet whose own ConfirmImpact is that of its most dangerous step: a step of
    /// lower <paramref name="impact"/> (Undo-DeirfContainment's proposal, Publish-DeirfDisclosure's journal record)
    /// asks only when that impact reaches $ConfirmPreference, or when -Confirm or -WhatIf is in effect. The rule is in
    /// docs/about_DeIRF.md (CONFIRMATION).
    /// </summary>
    protected bool ShouldProcess(string target, string action, ConfirmImpact impact)
    {
        var bound = MyInvocation.BoundParameters;
        var whatIf = bound.TryGetValue("WhatIf", out var w)
            ? LanguagePrimitives.IsTrue(w)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference", false));
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(GetVariableValue("ConfirmPreference", ConfirmImpact.High), out var p) ? p : ConfirmImpact.High;
        if (whatIf || bound.ContainsKey("Confirm") || (preference != ConfirmImpact.None && impact >= preference))
        {
            return ShouldProcess(target, action);
        }
        WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\".");
        return true;
    }

    /// <summary>The templates/ folder shipped next to DeIRF.dll (the module root, or a test's build output).</summary>
    protected static string ShippedTemplates => Path.Combine(Path.GetDirectoryName(typeof(DeirfCmdlet).Assembly.Location)!, "templates");

    /// <summary>
    /// A message a person should see (a digest to compare out of band): shown on the host like Write-Host, tagged
    /// (<paramref name="tag"/>, "DeIRF") so scripts can filter it, and silent under -InformationAction
    /// SilentlyContinue or Ignore.
    /// </summary>
    protected void WriteNotice(string message, string tag)
    {
        if (MyInvocation.BoundParameters.TryGetValue("InformationAction", out var action)
            && action is ActionPreference.SilentlyContinue or ActionPreference.Ignore)
        {
            return;
        }
        WriteInformation(new HostInformationMessage { Message = message }, ["PSHOST", "DeIRF", tag]);
    }

    protected JournalAppendOptions AppendOptions(bool durable = true) => new() { Durable = durable, CancellationToken = CancellationToken };

    /// <summary>
    /// Append options that sign the entry with <paramref name="actor"/>'s configured key on this machine, if any.
    /// When the workspace has a roster, an actor not on it is refused (ActorNotOnRoster) before anything is written;
    /// roster changes (governed by the roster itself) and an incident's opening (its reporter may be anyone) pass
    /// <paramref name="requireOnRoster"/> false.
    /// </summary>
    protected JournalAppendOptions AppendOptions(Workspaces.Workspace ws, string actor, bool requireOnRoster = true)
    {
        if (requireOnRoster)
        {
            RequireOnRoster(ws, actor);
        }
        // The roster is read only when this actor has a signing key here: a damaged roster never blocks unsigned writes.
        string? problem = null;
        var signers = Identity.SigningKeys.For(ws.WorkspaceId, actor) is null
            ? []
            : Identity.SigningKeys.SignersFor(ws, Identity.Roster.Load(ws), actor, out problem);
        if (problem is not null)
        {
            WriteWarning($"The entry is unsigned: {problem}. Bind a new key and run Set-DeirfSigningKey.");
        }
        else if (signers.Count == 0)
        {
            WriteVerbose($"No signing key configured for '{actor}' in this workspace: the entry is unsigned (Set-DeirfSigningKey).");
        }
        var checkpoints = new Checkpoints.AutomaticCheckpoints(ws, actor, CancellationToken);
        _checkpointRuns.Add(checkpoints);
        return AppendOptions() with { Signers = signers, Checkpoints = checkpoints };
    }

    /// <summary>When the workspace has a roster with responders, refuses an actor not on it (ActorNotOnRoster): call before anything is sent or written.</summary>
    protected void RequireOnRoster(Workspaces.Workspace ws, string actor)
    {
        if (!File.Exists(Identity.Roster.PathIn(ws)))
        {
            return;
        }
        Identity.Roster members;
        try
        {
            members = Identity.Roster.Load(ws);
        }
        catch (DeirfException ex)
        {
            // A damaged roster never blocks writes: it is reported, and verification refuses it later.
            WriteWarning($"The roster cannot be read ({ex.Message}): '{actor}' is not checked against it.");
            return;
        }
        // A roster with nobody on it yet (only its genesis, e.g. after a shared setting was set) vouches for nobody.
        if (members.Responders.Count > 0 && members.Find(actor) is null)
        {
            throw new DeirfException("ActorNotOnRoster", DeirfErrorKind.SecurityError,
                $"'{actor}' is not on this workspace's roster (Get-DeirfResponder): nothing was written. Act as a responder, or add them first (New-DeirfResponder).", actor);
        }
    }

    private readonly List<Checkpoints.AutomaticCheckpoints> _checkpointRuns = [];

    /// <summary>
    /// Reports what the core's automatic checkpoints (checkpoint-policy.json) did for this command's appends: written
    /// ones as verbose, failed ones as warnings (a failure there never undoes the durable append).
    /// </summary>
    private void ReportCheckpoints()
    {
        foreach (var run in _checkpointRuns)
        {
            var (written, problems) = run.Drain();
            foreach (var path in written)
            {
                WriteVerbose($"Checkpoint written: {path}");
            }
            foreach (var problem in problems)
            {
                WriteWarning($"The entry is written, but the automatic checkpoint is not: {problem}");
            }
        }
        _checkpointRuns.Clear();
    }

    protected static ErrorCategory CategoryOf(DeirfErrorKind kind) => kind switch
    {
        DeirfErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        DeirfErrorKind.InvalidData => ErrorCategory.InvalidData,
        DeirfErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        DeirfErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        DeirfErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        DeirfErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        DeirfErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        DeirfErrorKind.WriteError => ErrorCategory.WriteError,
        DeirfErrorKind.SecurityError => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };

    protected ErrorRecord ToErrorRecord(DeirfException ex, object? target = null)
        => new(ex, ex.ErrorId, CategoryOf(ex.Kind), target ?? ex.Target);

    /// <summary>
    /// Runs <paramref name="action"/>, turning engine failures into non-terminating errors (the pipeline goes on
    /// with the next input) and I/O failures into WriteError records. Ctrl+C ends the pipeline.
    /// </summary>
    protected void Try(object? target, Action action)
    {
        try
        {
            try
            {
                action();
            }
            finally
            {
                ReportCheckpoints();
            }
        }
        catch (DeclinedException)
        {
            // -WhatIf or a "no" at -Confirm: nothing was done, and that is not an error.
        }
        catch (DeirfException ex)
        {
            WriteError(ToErrorRecord(ex, ex.Target ?? target));
        }
        catch (IOException ex)
        {
            WriteError(new ErrorRecord(ex, "DeirfIOError", ErrorCategory.WriteError, target));
        }
        catch (UnauthorizedAccessException ex)
        {
            WriteError(new ErrorRecord(ex, "DeirfAccessDenied", ErrorCategory.PermissionDenied, target));
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Thrown when ShouldProcess declines a step that the rest of the operation depends on.</summary>
    protected sealed class DeclinedException : Exception
    {
    }

    /// <summary>For failures after which the cmdlet cannot go on (no workspace at all, for instance).</summary>
    protected void ThrowTerminating(DeirfException ex, object? target = null) => ThrowTerminatingError(ToErrorRecord(ex, target));
}

/// <summary>Cmdlets that work in a workspace: the -Workspace parameter and its resolution.</summary>
public abstract class WorkspaceCmdlet : DeirfCmdlet
{
    /// <summary>The workspace folder. Default: $env:DEIRF_WORKSPACE, the nearest parent holding a workspace, the per-user default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Root")]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>
    /// Finds the workspace. State-changing cmdlets may create the per-user default on first use — only after
    /// ShouldProcess agrees, so -WhatIf creates nothing.
    /// </summary>
    protected Workspaces.Workspace ResolveWorkspace(bool createDefault = false)
    {
        Workspaces.Workspace ws;
        try
        {
            ws = Workspaces.Workspace.Resolve(Workspace is null ? null : ResolvePath(Workspace), CurrentDirectory, createDefault: false);
        }
        catch (DeirfException ex) when (createDefault && ex.ErrorId == "WorkspaceNotFound" && Workspace is null)
        {
            if (!ShouldProcess(Workspaces.Workspace.UserDefaultPath, "Create the per-user default workspace"))
            {
                throw new DeclinedException();
            }
            ws = Workspaces.Workspace.Resolve(null, CurrentDirectory, createDefault: true);
        }
        WriteVerbose($"Workspace {ws.Root} (from {ws.Source}).");
        return ws;
    }

    /// <summary>
    /// Emits <paramref name="item"/> carrying the workspace it came from (a Workspace note property, as files carry
    /// PSPath), so the next cmdlet in the pipeline binds -Workspace by property name wherever it runs.
    /// </summary>
    protected void WriteFromWorkspace(object item, Workspaces.Workspace? ws)
    {
        var pso = PSObject.AsPSObject(item);
        if (ws is not null && pso.Properties["Workspace"] is null)
        {
            pso.Properties.Add(new PSNoteProperty("Workspace", ws.Root));
        }
        WriteObject(pso);
    }
}

/// <summary>
/// Cmdlets that record one change in an incident's journal (severity, roles, deadlines, closure): the incident they
/// act on, bound from piped incidents, -PassThru, and the append signed by the actor's configured key.
/// </summary>
public abstract class IncidentChangeCmdlet : WorkspaceCmdlet
{
    /// <summary>The incident id. Binds from the Id of piped incidents.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Emit the changed object.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Appends one typed statement to the incident's journal as <paramref name="actor"/>, signed by their configured key.</summary>
    protected JournalEntry Record(Workspaces.Workspace ws, string incidentId, string actor, Journal.Kinds.IEntryBody body)
        => ws.Record(incidentId, actor, body, AppendOptions(ws, actor));
}

/// <summary>Grant- and Revoke-DeirfIncidentRole: the role, the responder who takes or gives it up, and who decides.</summary>
public abstract class IncidentRoleCmdlet : IncidentChangeCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateSet("FirstReporter", "TriageLead", "CommsLead", "ContainmentLead", "Recorder")]
    public string Role { get; set; } = string.Empty;

    /// <summary>The responder who takes (Grant) or gives up (Revoke) the role.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string Responder { get; set; } = string.Empty;

    /// <summary>The responder making the change. Default: the responder this machine signs as, then $env:DEIRF_ACTOR (Grant: then the responder taking the role).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }
}

/// <summary>Cmdlets that act on one journal, named by -Incident (in a workspace) or by -Path (any journal file).</summary>
public abstract class JournalCmdlet : WorkspaceCmdlet
{
    protected const string ByIncident = "ByIncident";
    protected const string ByPath = "ByPath";
    protected const string ByRoster = "ByRoster";

    /// <summary>The workspace's roster journal (roster.jsonl) instead of an incident's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByRoster)]
    public SwitchParameter Roster { get; set; }

    /// <summary>The incident id (INC-yyyyMMdd-XXXX). Binds from the Id or Incident property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIncident, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>A journal file, read without a workspace (for copies handed over for review).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByPath, ValueFromPipelineByPropertyName = true)]
    [Alias("JournalPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The workspace ResolveJournal found (null for -Path without -Workspace).</summary>
    protected Workspaces.Workspace? JournalWorkspace { get; private set; }

    /// <summary>-Roster, or a piped roster entry (its Incident is ROSTER).</summary>
    protected bool IsRoster => ParameterSetName == ByRoster || (ParameterSetName == ByIncident && Incident == Identity.Roster.JournalId);

    /// <summary>
    /// The parameter set in effect. A piped file (Get-ChildItem -Filter journal.jsonl -Recurse | ...) never reaches -Path
    /// by its FullName: PowerShell's binder stays in the default set and coerces the file to its path in -Incident. So a
    /// value there that is no incident id but the rooted path of an existing file is read as -Path.
    /// </summary>
    protected string JournalSet => ParameterSetName == ByIncident && !Incident.StartsWith("INC-", StringComparison.Ordinal)
        && System.IO.Path.IsPathRooted(Incident) && File.Exists(Incident) ? ByPath : ParameterSetName;

    /// <summary>The journal file of the ByPath set: -Path, or a piped file's path (see <see cref="JournalSet"/>).</summary>
    protected string JournalPath => JournalSet == ByPath && ParameterSetName == ByIncident ? Incident : Path;

    protected JournalFile ResolveJournal()
    {
        if (JournalSet == ByPath)
        {
            var full = ResolvePath(JournalPath);
            if (!File.Exists(full))
            {
                throw new DeirfException("JournalNotFound", DeirfErrorKind.NotFound, $"Journal file '{full}' does not exist.", JournalPath);
            }
            return new JournalFile(full);
        }
        if (IsRoster)
        {
            var ws = JournalWorkspace = ResolveWorkspace();
            var roster = new JournalFile(Identity.Roster.PathIn(ws));
            if (!roster.Exists)
            {
                throw new DeirfException("RosterNotFound", DeirfErrorKind.NotFound, $"Workspace '{ws.Root}' has no roster yet (New-DeirfResponder creates it).", ws.Root);
            }
            return roster;
        }
        JournalWorkspace = ResolveWorkspace();
        return JournalWorkspace.JournalOf(Incident);
    }

    protected object JournalTarget => JournalSet switch { ByPath => JournalPath, ByRoster => "roster", _ => Incident };
}
