using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using DeIRF.Containment;
using Nethereum.Util;

namespace DeIRF.Providers.Chain;

/// <summary>
/// Addresses as DeIRF accepts them: EIP-55 checksummed only. A mixed-case address with a wrong checksum is a typo or
/// a tampered copy; an all-lowercase one carries no checksum at all, so it is refused too (what a quorum signs must
/// not depend on one mistyped digit).
/// </summary>
internal static partial class EvmAddress
{
    public const string Zero = "0x0000000000000000000000000000000000000000";

    public static string Parse(string text, string what)
    {
        var t = (text ?? string.Empty).Trim();
        if (!AddressPattern().IsMatch(t))
        {
            throw new ContainmentException("EvmAddressInvalid", DeirfErrorKind.InvalidArgument,
                $"{what} '{text}' is not an address (0x and 40 hex digits).", text);
        }
        var checksummed = AddressUtil.Current.ConvertToChecksumAddress(t);
        if (!string.Equals(t, checksummed, StringComparison.Ordinal))
        {
            throw new ContainmentException("EvmAddressChecksum", DeirfErrorKind.InvalidArgument,
                $"{what} '{text}' is not EIP-55 checksummed (expected {checksummed}): a wrong checksum is a typo or a tampered copy; "
                + "DeIRF takes only checksummed addresses.", text);
        }
        if (t[2..].All(c => c == '0'))
        {
            throw new ContainmentException("EvmAddressInvalid", DeirfErrorKind.InvalidArgument, $"{what} is the zero address.", text);
        }
        return checksummed;
    }

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressPattern();
}

/// <summary>A CAIP-10 account id on an EVM chain: eip155:&lt;chain id&gt;:&lt;checksummed address&gt;.</summary>
internal sealed partial record Caip10(BigInteger ChainId, string Address)
{
    public static Caip10 Parse(string target)
    {
        var m = Caip10Pattern().Match(target ?? string.Empty);
        if (!m.Success)
        {
            throw new ContainmentException("EvmTargetInvalid", DeirfErrorKind.InvalidArgument,
                $"Target '{target}' is not a CAIP-10 EVM account id (eip155:<chain id>:<checksummed 0x address>, e.g. eip155:1:0x5FbDB2315678afecb367f032d93F642f64180aa3).", target);
        }
        var chainId = BigInteger.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Caip10(chainId, EvmAddress.Parse(m.Groups[2].Value, "The target address"));
    }

    public override string ToString() => $"eip155:{ChainId.ToString(CultureInfo.InvariantCulture)}:{Address}";

    [GeneratedRegex("^eip155:([1-9][0-9]{0,31}):(0x[0-9a-fA-F]{40})$")]
    private static partial Regex Caip10Pattern();
}
