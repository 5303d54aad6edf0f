using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Journal.Kinds;

/// <summary>
/// "reward.recorded" — a reporter reward decision (seed section 7). It records the decision; nothing is paid by it.
/// body: { reporter: handle (≤ 64), amount: decimal STRING ("500", "0.25"; never a JSON number, so no rounding),
/// currency: code (USDC, USD, ETH...; ≤ 16), reason?: string (≤ 2000) }
/// </summary>
public sealed partial class RewardRecorded : EntryKind<RewardRecorded.Body>
{
    public const string KindName = "reward.recorded";

    public override string Name => KindName;

    [GeneratedRegex("^(0|[1-9][0-9]{0,29})(\\.[0-9]{1,18})?$")]
    private static partial Regex AmountPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.\\-]{0,15}$")]
    private static partial Regex CurrencyPattern();

    /// <summary>A positive decimal in plain notation: digits, optional fraction, no sign, exponent or leading zeros.</summary>
    public static bool IsValidAmount(string amount)
        => AmountPattern().IsMatch(amount) && amount.Any(c => c is >= '1' and <= '9');

    public static bool IsValidCurrency(string currency) => CurrencyPattern().IsMatch(currency);

    /// <summary>The canonical text of a decimal amount: invariant culture, no exponent, no trailing zeros after the point.</summary>
    public static string FormatAmount(decimal amount)
    {
        var text = amount.ToString("0.##################", CultureInfo.InvariantCulture);
        return text;
    }

    public override Body Read(JsonObject body)
    {
        var reporter = EntryKinds.RequireText(Name, body, "reporter", 64);
        if (body["amount"] is not JsonValue v || !v.TryGetValue<string>(out var amount))
        {
            throw new InvalidStatementException(Name, "amount", $"'{Name}' needs 'amount' as a decimal string (\"500\", \"0.25\"), never a number.");
        }
        if (!IsValidAmount(amount))
        {
            throw new InvalidStatementException(Name, "amount", $"'{Name}' member 'amount' must be a positive decimal in plain notation (\"500\", \"0.25\").", amount);
        }
        var currency = EntryKinds.RequireText(Name, body, "currency", 16);
        if (!IsValidCurrency(currency))
        {
            throw new InvalidStatementException(Name, "currency", $"'{Name}' member 'currency' must be a code of letters, digits, '.' or '-' (USDC, USD, ETH).", currency);
        }
        return new Body(reporter, amount, currency, EntryKinds.OptionalText(Name, body, "reason", 2000));
    }

    public override string Summarize(IReadOnlyDictionary<string, object?> body)
    {
        var reason = EntryKinds.Text(body, "reason");
        return $"Reward {EntryKinds.Text(body, "amount")} {EntryKinds.Text(body, "currency")} to {EntryKinds.Text(body, "reporter")} (recorded, not paid)"
            + (reason.Length > 0 ? $": {reason}" : string.Empty);
    }

    /// <summary>A reward decision; <see cref="Amount"/> is the canonical decimal text (<see cref="FormatAmount"/>).</summary>
    public sealed record Body(string Reporter, string Amount, string Currency, string? Reason = null) : IEntryBody
    {
        public string Kind => KindName;

        public JsonObject ToBody()
        {
            var body = new JsonObject { ["amount"] = Amount, ["currency"] = Currency, ["reporter"] = Reporter };
            body.Optional("reason", Reason);
            return body;
        }
    }
}
