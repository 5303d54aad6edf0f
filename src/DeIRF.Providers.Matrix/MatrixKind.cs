using System.Globalization;
using DeIRF.Identity;
using DeIRF.Integrations;

namespace DeIRF.Providers.Matrix;

/// <summary>
/// Matrix proofs (a signed Matrix handle): control of a Matrix account, as the workspace's homeserver reports it.
/// Public key: a Keyoxide-style claim <c>matrix:u/@alice:example.org?org.keyoxide.r=&lt;room id&gt;&amp;org.keyoxide.e=&lt;event id&gt;</c>
/// naming the message that binds it (the room and event may be left out to make the binding payload before posting);
/// fingerprint: the MXID, so an account is bound to one responder only.
/// Signature: <c>matrix:event/&lt;room id&gt;/&lt;event id&gt;</c>, a message the account posted: over a proof binding it says
/// <c>deirf bind &lt;digest&gt;</c> and carries a signature over the same binding by one of the responder's bound keys; over
/// anything else it says <c>deirf approve &lt;digest&gt;</c> (<see cref="MatrixMessages.DigestOf"/>). The event is fetched
/// from the homeserver ($env:DEIRF_MATRIX_HOMESERVER) with the workspace bot's token ($env:DEIRF_MATRIX_TOKEN) and must be
/// the account's own m.text message, neither redacted nor edited.
/// </summary>
public sealed class MatrixKind : IProofKindDescriptor, IProofCollector
{
    public static readonly ProofKind Matrix = ProofKind.Of("Matrix");

    public const string ClaimPrefix = "matrix:u/";
    public const string RoomParameter = "org.keyoxide.r";
    public const string EventParameter = "org.keyoxide.e";

    private const string Operation = "proof.verify";

    private readonly Func<Uri> _homeserver;
    private readonly Func<string> _token;
    private readonly OutboundHttp _http;

    public MatrixKind()
        : this(() => ChatChannels.ResolveHomeserver(null, Operation),
            () => IntegrationSecrets.Resolve(null, IntegrationSecrets.MatrixTokenVariable, "matrix", Operation, "Token"),
            // Reads are retried on 429 (retry_after_ms honoured up to 10 s) and on failures, three requests at most.
            new OutboundOptions { MaxAttempts = 3, MaxRetryAfter = TimeSpan.FromSeconds(10), AttemptTimeout = TimeSpan.FromSeconds(15) })
    {
    }

    /// <summary>Tests pass the homeserver, the token and the retry policy directly (environment variables are process-wide).</summary>
    internal MatrixKind(Func<Uri> homeserver, Func<string> token, OutboundOptions options)
    {
        _homeserver = homeserver;
        _token = token;
        _http = new OutboundHttp(options);
    }

    public ProofKind Kind => Matrix;

    public int Order => 120;

    public bool Recognizes(string signature) => signature.TrimStart().StartsWith(MatrixEventRef.Prefix, StringComparison.Ordinal);

    public ProofKey ParsePublicKey(string publicKeyText)
    {
        var text = (publicKeyText ?? string.Empty).Trim();
        if (!text.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            throw Refuse($"a Matrix proof is {ClaimPrefix}@alice:example.org?{RoomParameter}=<room id>&{EventParameter}=<event id> (a Keyoxide Matrix claim)", publicKeyText);
        }
        var rest = text[ClaimPrefix.Length..];
        var q = rest.IndexOf('?');
        var user = Uri.UnescapeDataString(q < 0 ? rest : rest[..q]);
        if (!user.StartsWith('@'))
        {
            user = "@" + user;
        }
        if (!ChatChannels.IsMatrixUserId(user))
        {
            throw Refuse($"'{MatrixEventRef.Short(user)}' is not a Matrix user id (@localpart:server, localpart in lower case)", publicKeyText);
        }
        string? room = null, ev = null;
        if (q >= 0)
        {
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
                switch (name)
                {
                    case RoomParameter when room is null:
                        room = value.StartsWith('!') ? value : "!" + value;
                        break;
                    case EventParameter when ev is null:
                        ev = value.StartsWith('$') ? value : "$" + value;
                        break;
                    default:
                        throw Refuse($"the claim has '{MatrixEventRef.Short(name)}' {(name is RoomParameter or EventParameter ? "twice" : "; it takes " + RoomParameter + " and " + EventParameter + " only")}", publicKeyText);
                }
            }
            if ((room is null) != (ev is null))
            {
                throw Refuse($"the claim names {(room is null ? "an event without its room" : "a room without the event")}: give both {RoomParameter} and {EventParameter}, or neither", publicKeyText);
            }
            if (room is not null && !ChatChannels.IsMatrixRoomId(room))
            {
                throw Refuse($"'{MatrixEventRef.Short(room)}' is not a Matrix room id (!opaque:server)", publicKeyText);
            }
            if (ev is not null && !MatrixEventRef.IsEventId(ev))
            {
                throw Refuse($"'{MatrixEventRef.Short(ev)}' is not a Matrix event id", publicKeyText);
            }
        }
        var attributes = new Dictionary<string, string>
        {
            ["mxid"] = user,
            ["server"] = user[(user.IndexOf(':') + 1)..],
        };
        var normalized = ClaimPrefix + user;
        if (room is not null && ev is not null)
        {
            attributes["room"] = room;
            attributes["event"] = ev;
            normalized += $"?{RoomParameter}={room}&{EventParameter}={ev}";
        }
        return new ProofKey(Matrix, user, normalized, "matrix-event", attributes);
    }

    public SignatureCheck Verify(ProofKey key, ReadOnlySpan<byte> payload, string signature, VerificationContext context)
    {
        if (key.Kind != Matrix)
        {
            return SignatureCheck.Invalid(Matrix, key.Fingerprint, $"a {key.Kind} key cannot check a Matrix signature");
        }
        ProofKey parsed;
        try
        {
            parsed = ParsePublicKey(key.PublicKey);
        }
        catch (InvalidProofException ex)
        {
            return SignatureCheck.Invalid(Matrix, key.Fingerprint, ex.Reason);
        }
        var mxid = parsed.Fingerprint;
        if (MatrixEventRef.TryParse(signature, out var problem) is not { } reference)
        {
            return SignatureCheck.Invalid(Matrix, mxid, problem!);
        }
        // The claim's room and event say where the account was first bound; the signature names the message checked now
        // (a confirmation, months later, is a new message, while the roster keeps the first claim).
        var binding = IsBinding(payload);
        var digest = MatrixMessages.DigestOf(payload);
        Homeserver homeserver;
        try
        {
            homeserver = new Homeserver(_homeserver(), _token(), _http);
        }
        catch (DeirfException ex)
        {
            return Refused(mxid, ex.ErrorId, ex.Message);
        }
        RoomEvent ev;
        bool edited;
        try
        {
            (ev, edited) = homeserver.EventWithEdits(reference);
        }
        catch (MatrixHomeserverException ex)
        {
            return Refused(mxid, ex.ErrorId, ex.Message);
        }
        var details = new Dictionary<string, string>
        {
            ["homeserver"] = homeserver.Origin,
            ["room"] = ev.RoomId,
            ["event"] = ev.EventId,
            ["sender"] = ev.Sender,
            ["originServerTs"] = ev.OriginServerTs.ToString(CultureInfo.InvariantCulture),
        };
        SignatureCheck No(string reason) => new(false, Matrix, mxid, reason, ev.Time, details);
        if (ev.Sender != mxid)
        {
            return No($"event {ev.EventId} was sent by {ev.Sender}, not by {mxid}");
        }
        if (ev.Redacted)
        {
            return No($"event {ev.EventId} was redacted: a withdrawn message approves nothing");
        }
        if (ev.ReplacesEventId is not null)
        {
            return No($"event {ev.EventId} is an edit (m.replace) of {MatrixEventRef.Short(OutsideLine(ev.ReplacesEventId))}; only an original, unedited message counts");
        }
        if (edited)
        {
            return No($"event {ev.EventId} was edited (m.replace) by {mxid}: what others read may not be what was approved; post a fresh message");
        }
        if (ev.Type != "m.room.message" || ev.MsgType != "m.text" || ev.Body is null)
        {
            return No($"event {ev.EventId} is a {MatrixEventRef.Short(OutsideLine(ev.Type))} ({MatrixEventRef.Short(OutsideLine(ev.MsgType ?? "no msgtype"))}), not a text message");
        }
        if (ev.Time > context.Clock.GetUtcNow() + context.ClockSkew)
        {
            return No($"event {ev.EventId} is dated {ev.Time:u} (origin_server_ts), after the time it is judged at ({context.Clock.GetUtcNow():u})");
        }
        if (!binding)
        {
            var named = MatrixMessages.ApprovedDigest(ev.Body);
            if (named is null)
            {
                return No($"event {ev.EventId} says '{MatrixEventRef.Short(OutsideLine(ev.Body))}', not '{MatrixMessages.ApproveVerb} <digest>'");
            }
            if (named != digest)
            {
                return No($"event {ev.EventId} approves {named[..12]}…, not this payload's digest {digest}");
            }
            return SignatureCheck.Valid(Matrix, mxid, ev.Time, details);
        }
        if (MatrixMessages.Binding(ev.Body) is not { } bind)
        {
            return No($"event {ev.EventId} does not start with '{MatrixMessages.BindVerb} <digest>'");
        }
        if (bind.Digest != digest)
        {
            return No($"event {ev.EventId} binds {bind.Digest[..12]}…, not this binding's digest {digest}");
        }
        if (bind.Signature.Length == 0)
        {
            return No($"event {ev.EventId} carries no signature over the binding after its first line: a bound key of the responder must vouch for the account");
        }
        var vouching = context.OtherProofs.Where(k => k.Kind != Matrix).ToArray();
        if (vouching.Length == 0)
        {
            return No("the responder has no other bound proof to vouch for this account: bind an OpenPGP, SSH, Ethereum, did:key... proof first");
        }
        var tried = new List<string>();
        foreach (var other in vouching)
        {
            var check = Signatures.Verify(other, payload, bind.Signature, context);
            if (check.IsValid)
            {
                details["vouchedBy"] = $"{other.Kind} {other.Fingerprint}";
                if (parsed.Attributes.TryGetValue("event", out var claimed) && (claimed != ev.EventId || parsed.Attributes["room"] != ev.RoomId))
                {
                    details["claimedEvent"] = $"{parsed.Attributes["room"]}/{claimed}";
                }
                return SignatureCheck.Valid(Matrix, mxid, ev.Time, details);
            }
            tried.Add($"{other.Kind} {other.Fingerprint}: {check.Reason}");
        }
        return No($"the signature in event {ev.EventId} verifies with none of the responder's bound proofs ({string.Join("; ", tried)})");
    }

    public IReadOnlyList<CollectedSignature> Collect(ProofCollectionRequest request, CancellationToken cancellationToken)
    {
        var room = request.Source ?? request.Incident?.ChatRoom
            ?? throw new DeirfException("IncidentChannelMissing", DeirfErrorKind.NotFound,
                $"{request.Incident?.Id ?? "The incident"} has no Matrix room: pass -Room, or open one with New-DeirfIncidentChannel.", request.Incident?.Id);
        if (!ChatChannels.IsMatrixRoomId(room))
        {
            throw new DeirfException("MatrixRoomIdInvalid", DeirfErrorKind.InvalidArgument, $"'{room}' is not a Matrix room id (!opaque:server).", room);
        }
        var homeserver = new Homeserver(_homeserver(), _token(), _http);
        var digest = MatrixMessages.DigestOf(request.Payload);
        var found = new List<CollectedSignature>();
        foreach (var ev in homeserver.History(room, cancellationToken))
        {
            if (ev.Type != "m.room.message" || ev.Body is null || MatrixMessages.ApprovedDigest(ev.Body.TrimStart('*', ' ')) != digest)
            {
                continue;
            }
            var reference = new MatrixEventRef(ev.RoomId, ev.EventId);
            var origin = $"event {ev.EventId} in {ev.RoomId} by {ev.Sender} at {ev.Time:u}";
            var holder = request.Roster.HolderOf(ev.Sender);
            var proof = holder?.FindProof(ev.Sender);
            found.Add(holder is null || proof is null || proof.Kind != Matrix
                ? new CollectedSignature(origin, null, reference.ToString(), $"{ev.Sender} is bound to no responder (Add-DeirfIdentityProof -Kind Matrix)")
                : new CollectedSignature(origin, holder.Handle, reference.ToString()));
        }
        return found;
    }

    /// <summary>A proof binding (its canonical JSON starts with its domain member) is checked as a binding; anything else as an approval.</summary>
    private static bool IsBinding(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0 || payload[0] != (byte)'{')
        {
            return false;
        }
        try
        {
            ProofBinding.Parse(payload.ToArray());
            return true;
        }
        catch (InvalidBindingException)
        {
            return false;
        }
    }

    private static string OutsideLine(string text) => Canonical.OutsideText.Line(text, 81);

    /// <summary>A refusal that is no verdict on the message (no homeserver, no token, the homeserver refused or misbehaved): its stable id leads the reason.</summary>
    private static SignatureCheck Refused(string fingerprint, string errorId, string message)
        => new(false, Matrix, fingerprint, $"{errorId}: {message}", null, new Dictionary<string, string> { ["error"] = errorId });

    private static InvalidProofException Refuse(string reason, string? target) => new(Matrix, reason, target);
}
