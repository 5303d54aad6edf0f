using System.Buffers.Binary;
using System.Text;

namespace DeIRF.Identity.Verifiers;

/// <summary>A malformed SSH wire encoding (RFC 4251 §5): truncated, oversized or non-canonical fields.</summary>
internal sealed class SshWireException(string message) : FormatException(message);

/// <summary>Reads RFC 4251 §5 data types from one buffer; every read is bounds-checked.</summary>
internal sealed class SshReader
{
    private readonly byte[] _buffer;
    private int _position;

    public SshReader(byte[] buffer) => _buffer = buffer;

    public int Position => _position;
    public bool AtEnd => _position == _buffer.Length;

    public byte[] ReadBytes(int count, string what)
    {
        if (count < 0 || count > _buffer.Length - _position)
        {
            throw new SshWireException($"{what} is truncated");
        }
        var bytes = _buffer.AsSpan(_position, count).ToArray();
        _position += count;
        return bytes;
    }

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64BigEndian(ReadBytes(8, what));

    public byte ReadByte(string what) => ReadBytes(1, what)[0];

    public byte[] ReadString(string what)
    {
        uint length = ReadUInt32(what);
        if (length > (uint)(_buffer.Length - _position))
        {
            throw new SshWireException($"{what} is truncated");
        }
        return ReadBytes((int)length, what);
    }

    /// <summary>A string field holding text (key types, namespaces, principals): strict UTF-8.</summary>
    public string ReadText(string what)
    {
        var bytes = ReadString(what);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SshWireException($"{what} is not valid UTF-8");
        }
    }

    /// <summary>A non-negative mpint as its unsigned big-endian magnitude; refuses negative and padded encodings.</summary>
    public byte[] ReadMpint(string what)
    {
        var bytes = ReadString(what);
        if (bytes.Length == 0)
        {
            return bytes;
        }
        if ((bytes[0] & 0x80) != 0)
        {
            throw new SshWireException($"{what} is a negative number");
        }
        if (bytes[0] == 0)
        {
            if (bytes.Length == 1 || (bytes[1] & 0x80) == 0)
            {
                throw new SshWireException($"{what} has a needless leading zero (non-canonical mpint)");
            }
            return bytes[1..];
        }
        return bytes;
    }

    public void ExpectEnd(string what)
    {
        if (!AtEnd)
        {
            throw new SshWireException($"{what} has {_buffer.Length - _position} trailing bytes");
        }
    }
}

/// <summary>Writes RFC 4251 §5 data types.</summary>
internal sealed class SshWriter
{
    private readonly MemoryStream _stream = new();

    public SshWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public SshWriter UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Raw(b);
    }

    public SshWriter String(ReadOnlySpan<byte> bytes) => UInt32((uint)bytes.Length).Raw(bytes);

    public SshWriter String(string text) => String(Encoding.UTF8.GetBytes(text));

    /// <summary>An mpint from an unsigned big-endian magnitude: leading zeros dropped, a zero byte added when the top bit is set.</summary>
    public SshWriter Mpint(ReadOnlySpan<byte> magnitude)
    {
        int skip = 0;
        while (skip < magnitude.Length && magnitude[skip] == 0)
        {
            skip++;
        }
        magnitude = magnitude[skip..];
        if (magnitude.Length > 0 && (magnitude[0] & 0x80) != 0)
        {
            UInt32((uint)magnitude.Length + 1);
            _stream.WriteByte(0);
            return Raw(magnitude);
        }
        return String(magnitude);
    }

    public byte[] ToArray() => _stream.ToArray();
}
