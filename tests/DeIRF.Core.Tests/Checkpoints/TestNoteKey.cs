using System.Buffers.Binary;
using DeIRF.Checkpoints;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace DeIRF.Core.Tests.Checkpoints;

/// <summary>An Ed25519 note key made for the test (its seed registered for the secrets scan, never written).</summary>
internal sealed class TestNoteKey
{
    private readonly byte[] _seed = new byte[32];
    private readonly byte[] _pub = new byte[32];

    public TestNoteKey(string name)
    {
        Name = name;
        Ed25519.GeneratePrivateKey(new Org.BouncyCastle.Security.SecureRandom(), _seed);
        DeIRF.Testing.TestArtifacts.RegisterSecretBytes("note key seed", _seed);
        Ed25519.GeneratePublicKey(_seed, 0, _pub, 0);
    }

    public string Name { get; }

    public NoteVerifierKey Key(byte type) => NoteVerifierKey.Ed25519(Name, type, _pub);

    public NoteSignature Sign(Checkpoint cp)
    {
        var sig = new byte[64];
        var body = cp.BodyBytes;
        Ed25519.Sign(_seed, 0, _pub, 0, body, 0, body.Length, sig, 0);
        return new NoteSignature(Name, NoteKeys.KeyId(Name, NoteKeys.Ed25519Type, _pub), sig);
    }

    public NoteSignature Cosign(Checkpoint cp, ulong time)
    {
        var msg = NoteKeys.CosignedMessage(cp, time);
        var blob = new byte[72];
        BinaryPrimitives.WriteUInt64BigEndian(blob, time);
        Ed25519.Sign(_seed, 0, _pub, 0, msg, 0, msg.Length, blob, 8);
        return new NoteSignature(Name, NoteKeys.KeyId(Name, NoteKeys.CosignatureV1Type, _pub), blob);
    }
}
