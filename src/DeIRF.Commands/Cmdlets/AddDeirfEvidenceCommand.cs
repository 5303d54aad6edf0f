using System.Management.Automation;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Captures files or folders as evidence of an incident: each file is hashed (SHA-256) while it is copied into the
/// workspace's write-once store, then one chain-of-custody entry ("evidence.added") is appended per file.
/// </summary>
[Cmdlet(VerbsCommon.Add, "DeirfEvidence", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("DeIRF.Evidence.EvidenceItem")]
public sealed class AddDeirfEvidenceCommand : WorkspaceCmdlet
{
    private const int ActivityId = 0xDE1E;

    // Below this, a progress bar would only flicker.
    private const long ProgressThreshold = 16L << 20;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.IncidentIdCompleter))]
    public string Incident { get; set; } = string.Empty;

    /// <summary>Files or folders (recursive). Binds piped strings, and the FullName of piped files.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>What the evidence is about: a pod, host, account or contract (e.g. prod/api-7f9).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>The responder collecting the evidence (the collector in the custody record).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ResponderHandleCompleter))]
    public string? Actor { get; set; }

    /// <summary>Store 0-byte files too (refused by default).</summary>
    [Parameter]
    public SwitchParameter AllowEmpty { get; set; }

    /// <summary>Emit one evidence item per stored file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Try(Incident, () =>
        {
            var ws = ResolveWorkspace();
            Actor = ResolveActor(ws, Actor);
            var capture = new Evidence.EvidenceCapture(ws, Incident);
            try
            {
                foreach (var given in Path)
                {
                    Try(given, () => CapturePath(ws, capture, given));
                }
            }
            finally
            {
                // An S3 store holds an HTTP client.
                (capture.Store as IDisposable)?.Dispose();
            }
        });
    }

    private void CapturePath(Workspaces.Workspace ws, Evidence.EvidenceCapture capture, string given)
    {
        var files = new List<Evidence.EvidenceFile>();
        foreach (var full in Resolve(given))
        {
            var found = Evidence.EvidenceCapture.Expand(full, problem => WriteError(ToErrorRecord(problem)));
            if (found.Count == 0)
            {
                WriteWarning($"'{full}' holds no files: nothing to capture.");
            }
            foreach (var file in found)
            {
                // Gate first (on the pipeline thread), store after: -WhatIf lists the files and stores nothing.
                if (ShouldProcess(file.FullPath, $"Store as evidence of {Incident}" + (Target is null ? string.Empty : $" (target {Target})")))
                {
                    files.Add(file);
                }
            }
        }
        if (files.Count == 0)
        {
            return;
        }
        long total = files.Sum(f => f.Length);
        bool showProgress = total > ProgressThreshold;
        int lastPercent = -1;
        var append = AppendOptions(ws, Actor);
        long before = 0;
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                var file = files[i];
                Try(file.FullPath, () =>
                {
                    var item = capture.Capture(file, Target, Actor, new Evidence.EvidenceCaptureOptions
                    {
                        AllowEmpty = AllowEmpty,
                        CancellationToken = CancellationToken,
                        Progress = !showProgress ? null : done =>
                        {
                            // Called on this pipeline thread (Capture reads and hashes here), as WriteProgress requires.
                            int percent = total > 0 ? (int)Math.Min(100, (before + done) * 100 / total) : 0;
                            if (percent != lastPercent)
                            {
                                lastPercent = percent;
                                // A new record each time: hosts and Streams.Progress keep the records they are given.
                                WriteProgress(new ProgressRecord(ActivityId, "Storing evidence", $"{(before + done) >> 20} of {total >> 20} MiB")
                                {
                                    PercentComplete = percent,
                                    CurrentOperation = file.FullPath,
                                });
                            }
                        },
                    }, append);
                    WriteVerbose($"{item.Hash} {item.Size} bytes {file.FullPath} -> {item.StoredPath} (journal #{item.Seq})");
                    if (PassThru)
                    {
                        WriteObject(item);
                    }
                });
                before += file.Length;
            }
        }
        finally
        {
            if (showProgress)
            {
                WriteProgress(new ProgressRecord(ActivityId, "Storing evidence", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    /// <summary>Wildcards expand against the file system; anything else is taken literally (and may not exist yet: EvidenceNotFound).</summary>
    private IEnumerable<string> Resolve(string given)
    {
        if (WildcardPattern.ContainsWildcardCharacters(given))
        {
            var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(given, out _);
            if (resolved.Count == 0)
            {
                throw new DeirfException("EvidenceNotFound", DeirfErrorKind.NotFound, $"No file matches '{given}'.", given);
            }
            return resolved;
        }
        return [ResolvePath(given)];
    }
}
