namespace DeIRF.Identity;

/// <summary>The five roles of the framework's section 2.</summary>
public enum ResponderRole
{
    /// <summary>Sounds the alarm and starts evidence capture.</summary>
    FirstReporter,

    /// <summary>Confirms severity, forms a swarm, assigns tasks.</summary>
    TriageLead,

    /// <summary>Handles community and regulator updates.</summary>
    CommsLead,

    /// <summary>Executes on-chain actions or host isolation.</summary>
    ContainmentLead,

    /// <summary>Maintains the timeline in an immutable log.</summary>
    Recorder,
}
