using System.Globalization;
using System.Text;

namespace DeIRF.Checkpoints;

/// <summary>A checkpoint failure: malformed text, a refused proof, a fork, a witness refusal.</summary>
public sealed class CheckpointException : DeirfException
{
    public CheckpointException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}

/// <summary>One signature line of a signed note: "— &lt;key name&gt; base64(4-byte key id || signature)".</summary>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    public const string Dash = "\u2014 ";

    public string KeyIdHex => KeyId.ToString("x8", CultureInfo.InvariantCulture);

    public string ToLine()
    {
        var bytes = new byte[4 + Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, KeyId);
        Signature.CopyTo(bytes, 4);
        return Dash + Name + " " + Convert.ToBase64String(bytes) + "\n";
    }
}

/// <summary>
/// A checkpoint in the C2SP tlog-checkpoint form: origin, tree size, base64 RFC 6962 root (and optional extension
/// lines), a blank line, then signed-note signature lines. Text is parsed strictly: UTF-8, LF only, no control
/// characters, canonical numbers and base64, so one checkpoint has one spelling.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Signature lines beyond this are refused (C2SP asks verifiers to accept at least 16).</summary>
    public const int MaxSignatures = 64;

    /// <summary>The origin DeIRF gives an incident journal: names the workspace and the incident.</summary>
    public static string OriginFor(string workspaceId, string incident) => $"deirf.local/{workspaceId}/{incident}";

    public Checkpoint(string origin, long size, byte[] rootHash, IReadOnlyList<string>? extensions = null, IReadOnlyList<NoteSignature>? signatures = null)
    {
        // C2SP tlog-checkpoint: the origin is one non-empty line; it SHOULD avoid spaces, and clients MUST NOT assume
        // its format ("go.sum database tree", "rekor.sigstore.dev - 1193050959916656506" are real ones).
        if (string.IsNullOrEmpty(origin) || origin.Any(char.IsControl))
        {
            throw Malformed($"the origin '{Trunc(origin)}' must be one non-empty line without control characters");
        }
        // An empty tree (size 0) is a valid checkpoint; a DeIRF journal's never is (CheckpointConsistency refuses it).
        if (size < 0)
        {
            throw Malformed($"tree size {size} is negative");
        }
        if (rootHash.Length != Merkle.HashSize)
        {
            throw Malformed("the root hash is 32 bytes");
        }
        Origin = origin;
        Size = size;
        RootHash = rootHash;
        Extensions = extensions ?? [];
        Signatures = signatures ?? [];
    }

    public string Origin { get; }
    public long Size { get; }
    public byte[] RootHash { get; }
    public string Root => Convert.ToBase64String(RootHash);
    public IReadOnlyList<string> Extensions { get; }
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>The signed note text: origin, size, root, extension lines, each ending in LF.</summary>
    public string Body
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append(Origin).Append('\n').Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(Root).Append('\n');
            foreach (var e in Extensions)
            {
                sb.Append(e).Append('\n');
            }
            return sb.ToString();
        }
    }

    public byte[] BodyBytes => Encoding.UTF8.GetBytes(Body);

    /// <summary>The whole note: body, blank line, signature lines (none for a checkpoint no one has signed yet).</summary>
    public string Text => Body + "\n" + string.Concat(Signatures.Select(s => s.ToLine()));

    public Checkpoint WithSignature(NoteSignature signature)
    {
        if (Signatures.Count >= MaxSignatures)
        {
            throw Malformed($"a checkpoint carries at most {MaxSignatures} signatures");
        }
        // A second line from the same key replaces nothing: it is simply not added twice.
        if (Signatures.Any(s => s.Name == signature.Name && s.KeyId == signature.KeyId && s.Signature.AsSpan().SequenceEqual(signature.Signature)))
        {
            return this;
        }
        return new Checkpoint(Origin, Size, RootHash, Extensions, [.. Signatures, signature]);
    }

    /// <summary>Same origin, size and root (and extension lines): the same tree head, whoever signed it.</summary>
    public bool SameTreeHead(Checkpoint other) => Body == other.Body;

    public static Checkpoint Parse(string text)
    {
        if (text.Length > 1 << 20)
        {
            throw Malformed("a checkpoint is at most 1 MiB");
        }
        if (text.Any(c => c != '\n' && char.IsControl(c)))
        {
            throw Malformed("control characters other than LF are not allowed (CR line ends?)");
        }
        int split = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw Malformed("no blank line separates the note text from its signatures");
        }
        var body = text[..(split + 1)];
        var sigText = text[(split + 2)..];
        var lines = body[..^1].Split('\n');
        if (lines.Length < 3 || lines.Any(l => l.Length == 0))
        {
            throw Malformed("the note text needs at least three non-empty lines: origin, size, root");
        }
        var sizeText = lines[1];
        if (sizeText.Length == 0 || sizeText.Length > 19 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw Malformed($"'{Trunc(sizeText)}' is not a tree size (ASCII decimal, no leading zeroes)");
        }
        var root = DecodeHash(lines[2], "the root hash");
        var signatures = new List<NoteSignature>();
        if (sigText.Length > 0)
        {
            if (!sigText.EndsWith('\n'))
            {
                throw Malformed("the last signature line does not end with a newline");
            }
            foreach (var line in sigText[..^1].Split('\n'))
            {
                signatures.Add(ParseSignatureLine(line));
                if (signatures.Count > MaxSignatures)
                {
                    throw Malformed($"more than {MaxSignatures} signature lines");
                }
            }
        }
        return new Checkpoint(lines[0], size, root, lines[3..], signatures);
    }

    private static NoteSignature ParseSignatureLine(string line)
    {
        if (!line.StartsWith(NoteSignature.Dash, StringComparison.Ordinal))
        {
            throw Malformed($"'{Trunc(line)}' is not a signature line ('— name signature')");
        }
        var rest = line[NoteSignature.Dash.Length..];
        int space = rest.IndexOf(' ');
        if (space <= 0 || rest.IndexOf(' ', space + 1) >= 0)
        {
            throw Malformed($"'{Trunc(line)}' is not '— <key name> <base64>'");
        }
        var name = rest[..space];
        if (name.Any(c => char.IsWhiteSpace(c) || c == '+'))
        {
            throw Malformed($"key name '{Trunc(name)}' contains a space or '+'");
        }
        var b64 = rest[(space + 1)..];
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            throw Malformed($"the signature of '{Trunc(name)}' is not base64");
        }
        if (bytes.Length < 5 || Convert.ToBase64String(bytes) != b64)
        {
            throw Malformed($"the signature of '{Trunc(name)}' is not canonical base64 of a key id and a signature");
        }
        return new NoteSignature(name, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }

    internal static byte[] DecodeHash(string text, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Malformed($"{what} '{Trunc(text)}' is not base64");
        }
        if (bytes.Length != Merkle.HashSize || Convert.ToBase64String(bytes) != text)
        {
            throw Malformed($"{what} '{Trunc(text)}' is not the canonical base64 of 32 bytes");
        }
        return bytes;
    }

    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException("CheckpointNotFound", DeirfErrorKind.NotFound, $"Checkpoint file '{path}' does not exist.", path);
        }
        try
        {
            return Parse(new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path)));
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("not UTF-8", path);
        }
        catch (CheckpointException ex) when (ex.ErrorId == "CheckpointMalformed" && ex.Target is null)
        {
            throw Malformed(ex.Message["Checkpoint refused: ".Length..^1], path);
        }
    }

    /// <summary>Writes the note atomically (temp file + rename).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Workspaces.AtomicFile.WriteText(path, Text);
    }

    public override string ToString() => $"{Origin} size {Size} root {Root} ({Signatures.Count} signature(s))";

    internal static CheckpointException Malformed(string reason, object? target = null)
        => new("CheckpointMalformed", DeirfErrorKind.InvalidData, $"Checkpoint refused: {reason}.", target);

    private static string Trunc(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
