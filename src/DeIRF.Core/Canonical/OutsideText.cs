using System.Text;

namespace DeIRF.Canonical;

/// <summary>
/// The one sanitizer for text that comes from outside (alert titles and sources, service error messages, synced
/// journal text) on its way to a console, a chat, a ticket or a public template. Outside text must never speak for
/// us: no terminal escape sequence (window title, cursor moves, colours), no line break that fakes a second line, no
/// bidi override that reorders what is shown, no invisible character, and in Markdown no formatting, links or
/// mentions (<c>@room</c>, <c>@channel</c>, <c>&lt;!channel&gt;</c>) of its own.
/// <list type="bullet">
/// <item><see cref="Line"/>: one line, bounded — titles, tags, sources, table cells.</item>
/// <item><see cref="Block"/>: the same but line breaks kept — multi-line details for a console.</item>
/// <item><see cref="Markdown"/>: <see cref="Block"/> then every Markdown metacharacter and mention escaped — what
/// chat, ticket and public templates get.</item>
/// <item><see cref="WithoutMentions"/>: mentions defused only — plain-text fields (a ticket's title, a room's topic).</item>
/// <item><see cref="ForSlack"/>: Slack's own escaping of &amp;, &lt; and &gt;, so no &lt;!channel&gt; or &lt;@U…&gt; survives.</item>
/// </list>
/// </summary>
public static class OutsideText
{
    /// <summary>The incident title limit (incident.opened).</summary>
    public const int MaxTitle = 200;

    /// <summary>Inserted after an @ to defuse a mention: U+2060 WORD JOINER (invisible, no line break).</summary>
    public const char MentionBreak = '\u2060';

    /// <summary>
    /// One line of printable text: escape sequences (CSI, OSC, DCS... and their C1 forms) removed whole, other control
    /// characters removed, line breaks and tabs made spaces, bidi controls and zero-width characters removed, lone
    /// surrogates replaced by U+FFFD, whitespace runs collapsed and trimmed, and at most <paramref name="maxLength"/>
    /// characters (cut with an ellipsis, never inside a surrogate pair).
    /// </summary>
    public static string Line(string? text, int maxLength = MaxTitle)
    {
        var clean = Strip(text, keepLineBreaks: false);
        return Cut(clean, maxLength);
    }

    /// <summary>As <see cref="Line"/>, but line breaks are kept (CR LF and CR become LF) and runs of spaces are left as they are.</summary>
    public static string Block(string? text, int maxLength = 64 * 1024) => Cut(Strip(text, keepLineBreaks: true), maxLength);

    /// <summary>
    /// True when <paramref name="text"/> holds nothing <see cref="Line"/> would remove or replace: no control character
    /// (line breaks and tabs included), bidi control, zero-width character or lone surrogate.
    /// </summary>
    public static bool IsPrintableLine(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) || IsLineBreak(c) || IsRemovedFormat(c))
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Outside text made literal in Markdown (CommonMark and GitHub/GitLab flavours, Slack mrkdwn, Matrix): every
    /// character that could start emphasis, code, a link, an image, HTML, a heading, a quote, a list or a table is
    /// backslash-escaped (an underscore inside a word is left alone, as Markdown ignores it there), and mentions are
    /// defused (<see cref="WithoutMentions"/>). Line breaks are kept; each line is escaped on its own.
    /// </summary>
    public static string Markdown(string? text)
    {
        var clean = Block(text);
        var sb = new StringBuilder(clean.Length + 16);
        var lines = clean.Split('\n');
        for (int l = 0; l < lines.Length; l++)
        {
            if (l > 0)
            {
                sb.Append('\n');
            }
            EscapeLine(sb, lines[l]);
        }
        return WithoutMentions(sb.ToString());
    }

    /// <summary>
    /// Defuses mentions: a WORD JOINER after every @ that precedes a name (@room, @channel, @here, @everyone, @user,
    /// @org/team), so no chat or tracker notifies anyone because of outside text. The text reads the same.
    /// </summary>
    public static string WithoutMentions(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        var sb = new StringBuilder(text.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            sb.Append(text[i]);
            if ((text[i] == '@' || text[i] == '\uFF20') && i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] is '_' or '-'))
            {
                sb.Append(MentionBreak);
            }
        }
        return sb.ToString();
    }

    /// <summary>Slack's required escaping for message text: &amp; &lt; &gt; become entities, so &lt;!channel&gt; and &lt;@U…&gt; are shown, not acted on.</summary>
    public static string ForSlack(string? text)
        => (text ?? string.Empty).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Characters Markdown gives meaning to anywhere in a line.</summary>
    private static bool AlwaysEscaped(char c) => c is '\\' or '`' or '*' or '[' or ']' or '<' or '>' or '#' or '|' or '~' or '&' or '!' or '$';

    private static void EscapeLine(StringBuilder sb, string line)
    {
        // Leading spaces would make an indented code block: the line is trimmed at its start.
        line = line.TrimStart(' ');
        int digits = 0;
        while (digits < line.Length && char.IsAsciiDigit(line[digits]))
        {
            digits++;
        }
        for (int i = 0; i < line.Length; i++)
        {
            var c = line[i];
            var escape = AlwaysEscaped(c)
                || (c == '_' && !(i > 0 && char.IsLetterOrDigit(line[i - 1]) && i + 1 < line.Length && char.IsLetterOrDigit(line[i + 1])))
                // A list item, setext underline or thematic break starts a line; "1." / "1)" is an ordered list.
                || (i == 0 && c is '-' or '+' or '=')
                || (i == digits && digits > 0 && c is '.' or ')');
            if (escape)
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
    }

    private static bool IsRemovedFormat(char c) => c is
        '\u00AD' // soft hyphen
        or '\u061C' or '\u200E' or '\u200F' // bidi marks
        or (>= '\u202A' and <= '\u202E') // bidi embeddings and overrides
        or (>= '\u2066' and <= '\u2069') // bidi isolates
        or (>= '\u200B' and <= '\u200D') or (>= '\u2060' and <= '\u2064') or '\uFEFF' or '\u180E' // zero-width and invisible
        or (>= '\uFFF9' and <= '\uFFFB'); // interlinear annotations

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' or '\v' or '\f';

    private static string Strip(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\u001B' || c == '\u009B' || c == '\u009D' || c == '\u0090' || c == '\u009E' || c == '\u009F' || c == '\u0098')
            {
                i = SkipEscape(text, i) - 1;
                continue;
            }
            if (IsLineBreak(c))
            {
                if (keepLineBreaks)
                {
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }
                    sb.Append('\n');
                }
                else
                {
                    sb.Append(' ');
                }
                continue;
            }
            if (c == '\t')
            {
                sb.Append(' ');
                continue;
            }
            if (char.IsControl(c) || IsRemovedFormat(c))
            {
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb.Append('\uFFFD');
                continue;
            }
            // Unicode space separators (no-break, em, ideographic...) read as spaces.
            sb.Append(char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator ? ' ' : c);
        }
        return keepLineBreaks ? TrimLines(sb.ToString()) : Collapse(sb.ToString());
    }

    /// <summary>
    /// Where the escape sequence starting at <paramref name="start"/> ends (exclusive): CSI (ESC [ or U+009B) up to its
    /// final byte; OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ or their C1 forms) up to BEL or ST; otherwise ESC and one character.
    /// </summary>
    private static int SkipEscape(string text, int start)
    {
        int i = start;
        char kind;
        if (text[i] == '\u001B')
        {
            if (i + 1 >= text.Length)
            {
                return i + 1;
            }
            kind = text[i + 1] switch { '[' => 'C', ']' or 'P' or 'X' or '^' or '_' => 'S', _ => 'E' };
            i += 2;
        }
        else
        {
            kind = text[i] == '\u009B' ? 'C' : 'S';
            i += 1;
        }
        if (kind == 'E')
        {
            return i;
        }
        if (kind == 'C')
        {
            // Parameter and intermediate bytes 0x20-0x3F, then one final byte 0x40-0x7E.
            while (i < text.Length && text[i] is >= ' ' and <= '?')
            {
                i++;
            }
            return i < text.Length && text[i] is >= '@' and <= '~' ? i + 1 : i;
        }
        // A string sequence runs to BEL, ESC \ or U+009C; unterminated, it takes the rest of the text.
        while (i < text.Length)
        {
            if (text[i] is '\u0007' or '\u009C')
            {
                return i + 1;
            }
            if (text[i] == '\u001B')
            {
                return i + 1 < text.Length && text[i + 1] == '\\' ? i + 2 : i;
            }
            i++;
        }
        return i;
    }

    private static string Collapse(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c == ' ' && (sb.Length == 0 || sb[^1] == ' '))
            {
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString().TrimEnd(' ');
    }

    private static string TrimLines(string s) => string.Join('\n', s.Split('\n').Select(l => l.TrimEnd(' '))).Trim('\n');

    private static string Cut(string s, int maxLength)
    {
        if (maxLength < 1 || s.Length <= maxLength)
        {
            return s;
        }
        var end = maxLength - 1;
        if (end > 0 && char.IsHighSurrogate(s[end - 1]))
        {
            end--;
        }
        return s[..end].TrimEnd(' ', '\n') + "…";
    }
}
