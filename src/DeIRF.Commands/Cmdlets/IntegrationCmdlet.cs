using System.Management.Automation;
using DeIRF.Integrations;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Shared by cmdlets that call a tracker or chat service: every call's result is journaled as "integration.call"
/// (delivered or failed), and a failure is also an error record — an integration never fails silently.
/// </summary>
public abstract class IntegrationCmdlet : WorkspaceCmdlet
{
    /// <summary>The homeserver from a parameter, the incident's room or $env:DEIRF_MATRIX_HOMESERVER; an error naming all three when none is set.</summary>
    protected static Uri ResolveHomeserver(string? value, string operation) => ChatChannels.ResolveHomeserver(value, operation);

    /// <summary>
    /// Journals <paramref name="result"/> in the incident as <paramref name="actor"/>, writes the error record when it
    /// failed, and stops the pipeline after journaling when Ctrl+C interrupted the call. True when it was delivered.
    /// </summary>
    protected bool Conclude(Workspaces.Workspace ws, string incidentId, string actor, IntegrationResult result)
    {
        // Recorded even after Ctrl+C: a request may have reached the service, and the journal must say so.
        // The roster check ran before the call (RequireOnRoster): refusing now would leave a sent request unjournaled.
        var options = result.Cancelled ? AppendOptions(ws, actor, requireOnRoster: false) with { CancellationToken = CancellationToken.None } : AppendOptions(ws, actor, requireOnRoster: false);
        result.Record(ws.JournalOf(incidentId), actor, options);
        WriteVerbose($"{incidentId}#{result.Seq}: {result}");
        if (result.Cancelled)
        {
            throw new PipelineStoppedException();
        }
        if (result.Exception is { } ex)
        {
            WriteError(ToErrorRecord(ex, ex.Target ?? incidentId));
            return false;
        }
        return true;
    }
}

/// <summary>The one outbound HTTP engine of the module (its connection pool is shared by every call).</summary>
internal static class IntegrationHttp
{
    public static readonly OutboundHttp Shared = new();
}
