/// <summary>Deterministic evidence content for put number <c>index</c> of the fault host (linked into the tests, which recompute it).</summary>
public static class FaultContent
{
    public static byte[] Of(int index, int bytes)
    {
        var data = new byte[bytes];
        new Random(index * 7919 + bytes).NextBytes(data);
        return data;
    }
}
