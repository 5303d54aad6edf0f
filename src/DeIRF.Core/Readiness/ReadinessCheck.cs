namespace DeIRF.Readiness;

/// <summary>Pass: ready. Warn: works, but a gap to close. Fail: a scheduler should alert on it.</summary>
public enum ReadinessStatus { Pass, Warn, Fail }

/// <summary>One item of the preparation checklist (seed section 3) or keep-alive cadence (section 10), checked.</summary>
public sealed class ReadinessCheck
{
    /// <summary>Short name of the item, e.g. "Asset inventory".</summary>
    public string Item { get; init; } = string.Empty;

    /// <summary>The seed section it comes from: "3 Preparation" or "10 Keep it alive".</summary>
    public string Section { get; init; } = string.Empty;
    public ReadinessStatus Status { get; init; }

    /// <summary>What was found, in one line.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>What to do about it, in one line (empty when it passes).</summary>
    public string Fix { get; init; } = string.Empty;

    /// <summary>The workspace file or folder the check read (where its input lives).</summary>
    public string Source { get; init; } = string.Empty;

    public override string ToString() => $"[{Status}] {Item}: {Reason}{(Fix.Length > 0 ? $" Fix: {Fix}" : string.Empty)}";
}

/// <summary>One readiness check. Probes are pluggable: <see cref="ReadinessChecklist.EvidenceStoreProbes"/>.</summary>
public interface IReadinessProbe
{
    string Item { get; }

    /// <summary>The check's result; null when the probe does not apply to this workspace (another probe answers).</summary>
    ReadinessCheck? Check(ReadinessContext context);
}
