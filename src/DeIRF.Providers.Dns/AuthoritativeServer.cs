using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using DeIRF.Containment;

namespace DeIRF.Providers.Dns;

/// <summary>
/// The primary server of the zone, as the reroute talks to it: non-recursive queries for the name's A, AAAA and
/// CNAME RRsets, and one TSIG-signed RFC 2136 UPDATE whose prerequisites pin the RRsets the caller last saw.
/// Every failure becomes a <see cref="ContainmentException"/> with the rerouted name as target.
/// </summary>
internal sealed class AuthoritativeServer
{
    private readonly RerouteSpec _spec;

    public AuthoritativeServer(RerouteSpec spec) => _spec = spec;

    /// <summary>The name's A, AAAA and CNAME records as the server holds them now (the three queries run together).</summary>
    public async Task<IReadOnlyList<DnsAddressRecord>> ReadAsync(CancellationToken cancellationToken)
    {
        using var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var queries = DnsAddressRecord.Types.Select(t => QueryAsync(client, t, cancellationToken)).ToList();
        var sets = await Task.WhenAll(queries).ConfigureAwait(false);
        return DnsAddressRecord.Sorted(sets.SelectMany(s => s));
    }

    private async Task<IReadOnlyList<DnsAddressRecord>> QueryAsync(DnsClient client, string type, CancellationToken cancellationToken)
    {
        var options = new DnsQueryOptions { IsRecursionDesired = false, IsEDnsEnabled = true };
        DnsMessage? answer;
        using (var timeout = Timeout(cancellationToken))
        {
            try
            {
                answer = await client.ResolveAsync(_spec.Owner, DnsAddressRecord.WireType(type), RecordClass.INet, options, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                answer = null;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                throw Unreachable(ex);
            }
        }
        if (answer is null)
        {
            cancellationToken.ThrowIfCancellationRequested(); // the client turns cancellation into "no answer"
            throw Unreachable(null);
        }
        if (answer.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain))
        {
            throw new ContainmentException(answer.ReturnCode == ReturnCode.Refused ? "DnsQueryRefused" : "DnsQueryFailed",
                DeirfErrorKind.ResourceUnavailable,
                $"{_spec.ServerText} answered {RcodeName(answer.ReturnCode)} to the {type} query for {_spec.Name}.", _spec.Name);
        }
        if (!answer.IsAuthoritiveAnswer)
        {
            throw new ContainmentException("DnsServerNotAuthoritative", DeirfErrorKind.InvalidArgument,
                $"{_spec.ServerText} is not authoritative for {_spec.Name} (no AA flag); point 'server' at the zone's primary.", _spec.Name);
        }
        // An A query for a CNAME owner also returns the CNAME and the target's records: keep only the owner's own type.
        return answer.AnswerRecords
            .Where(r => r.Name.Equals(_spec.Owner) && r.RecordType == DnsAddressRecord.WireType(type))
            .Select(DnsAddressRecord.FromWire)
            .OfType<DnsAddressRecord>()
            .ToList();
    }

    /// <summary>
    /// One UPDATE: prerequisites say the name's A, AAAA and CNAME RRsets are exactly <paramref name="expected"/>
    /// (value-dependent "RRset exists" for each record, "RRset does not exist" for an empty type, RFC 2136 2.4),
    /// then every non-empty RRset of those types is deleted and <paramref name="replacement"/> added.
    /// The server applies all of it or nothing.
    /// </summary>
    public async Task UpdateAsync(TsigKey key, IReadOnlyList<DnsAddressRecord> expected, IReadOnlyList<DnsAddressRecord> replacement,
        CancellationToken cancellationToken)
    {
        var message = new DnsUpdateMessage { ZoneName = _spec.ZoneName };
        foreach (var type in DnsAddressRecord.Types)
        {
            var ofType = expected.Where(r => r.Type == type).ToList();
            if (ofType.Count == 0)
            {
                message.Prequisites.Add(new RecordNotExistsPrequisite(_spec.Owner, DnsAddressRecord.WireType(type)));
            }
            else
            {
                message.Prequisites.AddRange(ofType.Select(r => new RecordExistsValueDependantPrequisite(r.ToWire(_spec.Owner))));
                message.Updates.Add(new DeleteAllRecordsUpdate(_spec.Owner, DnsAddressRecord.WireType(type)));
            }
        }
        foreach (var record in replacement)
        {
            message.Updates.Add(new AddRecordUpdate(record.ToWire(_spec.Owner)));
        }
        message.TransactionID = (ushort)RandomNumberGenerator.GetInt32(1, 0x10000);
        key.Sign(message);

        using var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        DnsUpdateMessage? response;
        using (var timeout = Timeout(cancellationToken))
        {
            try
            {
                response = await client.SendUpdateAsync(message, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                response = null;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                throw Unreachable(ex);
            }
        }
        if (response is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw Unreachable(null);
        }
        ThrowOnFailure(response, key);
    }

    private void ThrowOnFailure(DnsUpdateMessage response, TsigKey key)
    {
        var tsigError = response.TSigOptions?.Error ?? ReturnCode.NoError;
        if (tsigError is ReturnCode.BadSig or ReturnCode.BadKey or ReturnCode.BadTime or ReturnCode.BadTrunc or ReturnCode.BadMode
            || (response.ReturnCode == ReturnCode.NotAuthoritive && response.TSigOptions is not null))
        {
            throw new ContainmentException("DnsTsigRejected", DeirfErrorKind.SecurityError,
                $"{_spec.ServerText} rejected the TSIG signature of key {key} for the update of {_spec.Name} ({RcodeName(tsigError)}): "
                + "wrong secret, unknown key name or algorithm, or clocks more than 300 s apart.", _spec.Name);
        }
        if (response.TSigOptions is { } signed && signed.ValidationResult != ReturnCode.NoError)
        {
            throw new ContainmentException("DnsTsigRejected", DeirfErrorKind.SecurityError,
                $"The answer from {_spec.ServerText} for {_spec.Name} failed TSIG validation ({RcodeName(signed.ValidationResult)}); it is not trusted.", _spec.Name);
        }
        switch (response.ReturnCode)
        {
            case ReturnCode.NoError:
                if (response.TSigOptions is null)
                {
                    // RFC 8945 5.3: a signed request gets a signed answer; an unsigned NOERROR could come from anyone.
                    throw new ContainmentException("DnsTsigRejected", DeirfErrorKind.SecurityError,
                        $"{_spec.ServerText} answered the update of {_spec.Name} without a TSIG signature; the result is not trusted.", _spec.Name);
                }
                return;
            case ReturnCode.YXDomain or ReturnCode.YXRRSet or ReturnCode.NxDomain or ReturnCode.NXRRSet:
                throw new ContainmentException("DnsPrerequisiteFailed", DeirfErrorKind.ResourceBusy,
                    $"{_spec.ServerText} refused the update of {_spec.Name}: its records changed since they were read ({RcodeName(response.ReturnCode)}). Nothing was changed; plan again.", _spec.Name);
            case ReturnCode.Refused:
                throw new ContainmentException("DnsUpdateRefused", DeirfErrorKind.SecurityError,
                    $"{_spec.ServerText} refused the update of {_spec.Name} (REFUSED): key {key} is not allowed to update {_spec.Zone}.", _spec.Name);
            case ReturnCode.NotAuthoritive:
                throw new ContainmentException("DnsServerNotAuthoritative", DeirfErrorKind.InvalidArgument,
                    $"{_spec.ServerText} is not authoritative for the zone {_spec.Zone} (NOTAUTH).", _spec.Name);
            case ReturnCode.NotZone:
                throw new ContainmentException("DnsNotZone", DeirfErrorKind.InvalidArgument,
                    $"{_spec.Name} is not within the zone {_spec.Zone} on {_spec.ServerText} (NOTZONE).", _spec.Name);
            default:
                throw new ContainmentException("DnsUpdateFailed", DeirfErrorKind.ResourceUnavailable,
                    $"{_spec.ServerText} failed the update of {_spec.Name} ({RcodeName(response.ReturnCode)}).", _spec.Name);
        }
    }

    private async Task<DnsClient> ClientAsync(CancellationToken cancellationToken)
    {
        IPAddress address;
        if (!IPAddress.TryParse(_spec.Host, out address!))
        {
            try
            {
                var found = await System.Net.Dns.GetHostAddressesAsync(_spec.Host, cancellationToken).ConfigureAwait(false);
                address = found.FirstOrDefault() ?? throw Unreachable(null);
            }
            catch (SocketException ex)
            {
                throw Unreachable(ex);
            }
        }
        int ms = (int)_spec.Timeout.TotalMilliseconds;
        return new DnsClient(new[] { address }, new IClientTransport[] { new UdpClientTransport(_spec.Port), new TcpClientTransport(_spec.Port) },
            disposeTransport: true, queryTimeout: ms);
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A little beyond the client's own timeout, so a transport that ignores it still ends.
        cts.CancelAfter(_spec.Timeout + TimeSpan.FromSeconds(1));
        return cts;
    }

    private ContainmentException Unreachable(Exception? inner)
        => new("DnsServerUnreachable", DeirfErrorKind.ResourceUnavailable,
            $"No answer from {_spec.ServerText} about {_spec.Name} within {_spec.Timeout.TotalSeconds:0.#} s"
            + (inner is null ? "." : $" ({inner.Message})."), _spec.Name, inner);

    internal static string RcodeName(ReturnCode code) => code switch
    {
        ReturnCode.NoError => "NOERROR",
        ReturnCode.FormatError => "FORMERR",
        ReturnCode.ServerFailure => "SERVFAIL",
        ReturnCode.NxDomain => "NXDOMAIN",
        ReturnCode.NotImplemented => "NOTIMP",
        ReturnCode.Refused => "REFUSED",
        ReturnCode.YXDomain => "YXDOMAIN",
        ReturnCode.YXRRSet => "YXRRSET",
        ReturnCode.NXRRSet => "NXRRSET",
        ReturnCode.NotAuthoritive => "NOTAUTH",
        ReturnCode.NotZone => "NOTZONE",
        ReturnCode.BadSig => "BADSIG",
        ReturnCode.BadKey => "BADKEY",
        ReturnCode.BadTime => "BADTIME",
        _ => code.ToString().ToUpperInvariant(),
    };
}
