using System.Security;
using DeIRF.Extensions;

namespace DeIRF.Integrations;

/// <summary>
/// A tracker New-DeirfIncident -Tracker opens the incident's ticket in. Declared under
/// <see cref="ExtensionPoints.TicketTracker"/> with its -Tracker name as the key ("GitHub"); the engine never names one.
/// </summary>
public interface ITicketTracker
{
    /// <summary>The -Tracker name, as declared ("GitHub").</summary>
    string Name { get; }

    /// <summary>The integration name journaled in integration.call ("github").</summary>
    string Integration { get; }

    /// <summary>The operation journaled ("advisory.create").</summary>
    string Operation { get; }

    /// <summary>What the ticket is, in the -WhatIf line ("GitHub security advisory").</summary>
    string TicketNoun { get; }

    /// <summary>What -TrackerRepository takes ("owner/name").</summary>
    string RepositoryHint { get; }

    /// <summary>The REST API base when -TrackerApiUrl is not given.</summary>
    string DefaultApi { get; }

    /// <summary>The environment variable holding the token when -TrackerToken is not given.</summary>
    string TokenVariable { get; }

    /// <summary>The repository in its checked form; TrackerRepositoryInvalid otherwise. Nothing is sent.</summary>
    string ValidateRepository(string repository);

    IntegrationResult Create(OutboundHttp http, Uri apiBase, string repository, string token, TicketDraft draft, CancellationToken cancellationToken);
}

/// <summary>
/// A place Send-DeirfUpdate posts to. Declared under <see cref="ExtensionPoints.ChatChannel"/> with its -Channel name as
/// the key ("Matrix"). <see cref="Prepare"/> resolves everything (targets, secrets, URLs) and throws before anything is
/// sent; the returned post says what it will do (for -WhatIf) and sends once.
/// </summary>
public interface IChatChannel
{
    /// <summary>The -Channel name, as declared ("Matrix").</summary>
    string Name { get; }

    /// <summary>The integration name journaled in integration.call ("matrix").</summary>
    string Integration { get; }

    ChatPost Prepare(ChatUpdate update);
}

/// <summary>
/// One update to post: the incident, the text, the audience it was rendered for, the caller's options (the cmdlet's
/// -Room, -SlackChannel... and -ChannelOption, by name, ignoring case) and the token given as a SecureString.
/// </summary>
public sealed record ChatUpdate(Incidents.Incident Incident, string Text, string? Audience, IReadOnlyDictionary<string, string> Options, SecureString? Token)
{
    public const string Operation = "message.send";

    /// <summary>An option by name (ignoring case), or null when not given or blank.</summary>
    public string? Option(string name)
    {
        foreach (var (k, v) in Options)
        {
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(v))
            {
                return v;
            }
        }
        return null;
    }
}

/// <summary>A prepared post: <see cref="Description"/> for ShouldProcess (no secret in it), <see cref="Send"/> to post.</summary>
public sealed class ChatPost(string description, Func<OutboundHttp, CancellationToken, IntegrationResult> send)
{
    public string Description { get; } = description;

    public IntegrationResult Send(OutboundHttp http, CancellationToken cancellationToken) => send(http, cancellationToken);
}

/// <summary>The registered trackers and channels (the catalog's entries; names compared ignoring case, as -Tracker and -Channel take them).</summary>
public static class IntegrationCatalog
{
    private static readonly ExtensionSet<ITicketTracker> TrackerSet = new(ExtensionPoints.TicketTracker, t => t.Name, StringComparer.OrdinalIgnoreCase);
    private static readonly ExtensionSet<IChatChannel> ChannelSet = new(ExtensionPoints.ChatChannel, c => c.Name, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<string> TrackerNames => TrackerSet.Keys;

    public static IReadOnlyList<string> ChannelNames => ChannelSet.Keys;

    /// <summary>
    /// Every integration name a registered tracker or channel journals ("github", "matrix"...): what an
    /// integration.call entry written here may name.
    /// </summary>
    public static IReadOnlyList<string> IntegrationNames
        => TrackerSet.Items.Select(t => t.Instance.Integration).Concat(ChannelSet.Items.Select(c => c.Instance.Integration)).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>How an integration name reads to people: the -Tracker or -Channel name that journals it ("GitHub"), else the name.</summary>
    public static string Label(string integration)
        => TrackerSet.Items.FirstOrDefault(t => t.Instance.Integration == integration).Instance?.Name
           ?? ChannelSet.Items.FirstOrDefault(c => c.Instance.Integration == integration).Instance?.Name
           ?? integration;

    /// <summary>The tracker named <paramref name="name"/>; TrackerUnknown (naming the ones this machine has) otherwise.</summary>
    public static ITicketTracker Tracker(string name) => TrackerSet.Find(name)
        ?? throw new IntegrationException("TrackerUnknown", DeirfErrorKind.InvalidArgument,
            $"No ticket tracker '{name}' here (this machine has {string.Join(", ", TrackerNames)}; Import-DeirfExtension adds others).", name, name.ToLowerInvariant(), "ticket.create", 0);

    /// <summary>The channel named <paramref name="name"/>; ChatChannelUnknown (naming the ones this machine has) otherwise.</summary>
    public static IChatChannel Channel(string name) => ChannelSet.Find(name)
        ?? throw new IntegrationException("ChatChannelUnknown", DeirfErrorKind.InvalidArgument,
            $"No chat channel '{name}' here (this machine has {string.Join(", ", ChannelNames)}; Import-DeirfExtension adds others).", name, name.ToLowerInvariant(), ChatUpdate.Operation, 0);
}
