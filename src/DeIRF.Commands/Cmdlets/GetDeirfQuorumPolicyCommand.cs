using System.Management.Automation;
using DeIRF.Quorum;

namespace DeIRF.Commands.Cmdlets;

/// <summary>The quorum policy in force (or a candidate file's, with its Sha256 for a policy.set proposal); -Action: the rule that applies.</summary>
[Cmdlet(VerbsCommon.Get, "DeirfQuorumPolicy")]
[OutputType("DeIRF.Quorum.QuorumPolicy", "DeIRF.Quorum.QuorumRule")]
public sealed class GetDeirfQuorumPolicyCommand : WorkspaceCmdlet
{
    /// <summary>Read and validate this policy document instead of the workspace's (nothing is changed).</summary>
    [Parameter]
    public string? Path { get; set; }

    /// <summary>Only the rule that applies to this action.</summary>
    [Parameter(Position = 0)]
    public string? Action { get; set; }

    protected override void ProcessRecord()
    {
        Try(Path ?? Action, () =>
        {
            var policy = Path is not null ? QuorumPolicy.Parse(File.ReadAllText(ResolvePath(Path)), ResolvePath(Path)) : QuorumPolicy.Load(ResolveWorkspace());
            WriteObject(Action is null ? policy : policy.RuleFor(Action));
        });
    }
}
