using DeIRF.Journal;
using DeIRF.Workspaces;

namespace DeIRF.Checkpoints;

/// <summary>
/// The workspace's checkpoint policy (checkpoint-policy.json: every N entries, on close) applied by the journal itself
/// after a durable append (<see cref="JournalAppendOptions.Checkpoints"/>), signed by the appending actor's key when
/// they have one. A checkpoint that cannot be written never undoes the append: the reason is kept in
/// <see cref="Problems"/> for the caller to report, and what was written in <see cref="Written"/>.
/// </summary>
public sealed class AutomaticCheckpoints(Workspace workspace, string actor, CancellationToken cancellationToken = default)
{
    private readonly List<string> _written = [];
    private readonly List<string> _problems = [];
    private readonly object _gate = new();

    public Workspace Workspace { get; } = workspace;

    /// <summary>Who appended (and signs the checkpoint, with their configured key).</summary>
    public string Actor { get; } = actor;

    /// <summary>Checkpoint files written so far, in order.</summary>
    public IReadOnlyList<string> Written { get { lock (_gate) { return _written.ToArray(); } } }

    /// <summary>Why a checkpoint the policy called for was not written (the entries themselves are).</summary>
    public IReadOnlyList<string> Problems { get { lock (_gate) { return _problems.ToArray(); } } }

    /// <summary>Takes and clears what happened since the last call (for a caller that reports as it goes).</summary>
    public (IReadOnlyList<string> Written, IReadOnlyList<string> Problems) Drain()
    {
        lock (_gate)
        {
            var result = ((IReadOnlyList<string>)_written.ToArray(), (IReadOnlyList<string>)_problems.ToArray());
            _written.Clear();
            _problems.Clear();
            return result;
        }
    }

    /// <summary>Runs after entries are durably appended and the journal lock released.</summary>
    internal void After(JournalFile journal, IReadOnlyList<JournalEntry> appended)
    {
        string? path = null;
        string? problem = null;
        try
        {
            path = CheckpointLog.AfterAppend(Workspace, journal, appended, Actor, cancellationToken);
        }
        catch (DeirfException ex)
        {
            problem = ex.Message;
        }
        catch (IOException ex)
        {
            problem = ex.Message;
        }
        catch (UnauthorizedAccessException ex)
        {
            problem = ex.Message;
        }
        lock (_gate)
        {
            if (path is not null)
            {
                _written.Add(path);
            }
            if (problem is not null)
            {
                _problems.Add(problem);
            }
        }
    }
}
