using DeIRF.Canonical;
using Xunit;

namespace DeIRF.Core.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void SortsKeys_RemovesWhitespace()
    {
        Assert.Equal("{\"a\":1,\"b\":[true,null]}", CanonicalJson.Canonicalize("{ \"b\" : [ true , null ], \"a\": 1 }"));
    }
}
