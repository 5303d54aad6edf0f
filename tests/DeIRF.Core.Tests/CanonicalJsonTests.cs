using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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

    // ---------------------------------------------------------------------------------------------------------------
    // Published vectors (Vectors/jcs, see its README.md for sources and for how refused cases are treated)
    // ---------------------------------------------------------------------------------------------------------------

    internal static string VectorDir => Path.Combine(AppContext.BaseDirectory, "Vectors", "jcs");

    private sealed record VectorCase(string Name, string Source, string Input, string? Output, string? Refused);

    private static IReadOnlyList<VectorCase> LoadManifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorDir, "manifest.json")));
        var cases = new List<VectorCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string? Opt(string name) => c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            cases.Add(new VectorCase(c.GetProperty("name").GetString()!, c.GetProperty("source").GetString()!, c.GetProperty("input").GetString()!, Opt("output"), Opt("refused")));
        }
        return cases;
    }

    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in LoadManifest())
        {
            data.Add(c.Name);
        }
        return data;
    }

    [Fact]
    public void Manifest_ListsEveryVectorFile()
    {
        var cases = LoadManifest();
        Assert.Equal(10, cases.Count);
        var listed = cases.SelectMany(c => new[] { c.Input, c.Output }).Where(p => p is not null).Select(p => p!.Replace('/', Path.DirectorySeparatorChar)).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(VectorDir, "*.json", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(VectorDir, file);
            if (rel is "manifest.json" || rel.StartsWith("rfc8785" + Path.DirectorySeparatorChar + "sorting-", StringComparison.Ordinal))
            {
                continue; // the sorting vector has its own test (the RFC publishes only the resulting order)
            }
            Assert.Contains(rel, listed);
        }
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void PublishedVector(string name)
    {
        var c = LoadManifest().Single(x => x.Name == name);
        var input = File.ReadAllBytes(Path.Combine(VectorDir, c.Input));
        var expected = c.Output is null ? null : File.ReadAllBytes(Path.Combine(VectorDir, c.Output));
        if (c.Refused is null)
        {
            Assert.NotNull(expected);
            AssertBytes(expected, CanonicalJson.Canonicalize(input));
            // The published output is itself canonical: a fixed point.
            AssertBytes(expected, CanonicalJson.Canonicalize(expected));
            // A tree from System.Text.Json's own parser (JsonElement-backed values) takes other paths through the writer.
            AssertBytes(expected, CanonicalJson.Serialize(JsonNode.Parse(input)));
        }
        else
        {
            Assert.Equal(c.Refused, Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(input)).Reason);
            if (expected is not null)
            {
                Assert.Equal(c.Refused, Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(expected)).Reason);
            }
        }
        if (expected is not null)
        {
            // Everything but the range policy, byte for byte against the published output.
            using var doc = JsonDocument.Parse(input);
            AssertBytes(expected, ComposeWithoutRangePolicy(doc.RootElement));
        }
    }

    [Fact]
    public void Rfc8785_Section324_Utf8Bytes_MatchTheCanonicalSample()
    {
        var hex = string.Concat(File.ReadAllText(Path.Combine(VectorDir, "rfc8785", "sample-3.2.4.utf8.hex")).Where(Uri.IsHexDigit));
        var bytes = Convert.FromHexString(hex);
        AssertBytes(bytes, File.ReadAllBytes(Path.Combine(VectorDir, "rfc8785", "sample-3.2.3.output.json")));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorDir, "rfc8785", "sample-3.2.2.input.json")));
        AssertBytes(bytes, ComposeWithoutRangePolicy(doc.RootElement));
    }

    [Fact]
    public void Rfc8785_Section323_SortsPropertiesByUtf16CodeUnits()
    {
        var input = File.ReadAllBytes(Path.Combine(VectorDir, "rfc8785", "sorting-3.2.3.input.json"));
        var expectedOrder = File.ReadAllLines(Path.Combine(VectorDir, "rfc8785", "sorting-3.2.3.expected-order.txt")).Where(l => l.Length > 0).ToArray();
        Assert.Equal(7, expectedOrder.Length);
        var canonical = CanonicalJson.Canonicalize(input);
        using var doc = JsonDocument.Parse(canonical);
        Assert.Equal(expectedOrder, doc.RootElement.EnumerateObject().Select(p => p.Value.GetString()!).ToArray());
        AssertBytes(canonical, CanonicalJson.Canonicalize(canonical));
        // Only "\r" needs an escape; the other names are raw UTF-8.
        Assert.StartsWith("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\"", Encoding.UTF8.GetString(canonical), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> NumberSamples()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (file, source) in new[] { ("rfc8785/appendix-b-numbers.csv", "RFC 8785 App. B"), ("cyberphone/es6-number-samples.csv", "cyberphone README") })
        {
            foreach (var line in File.ReadAllLines(Path.Combine(VectorDir, file)).Skip(1).Where(l => l.Length > 0))
            {
                var cols = line.Split(',');
                data.Add(source, cols[0], cols[1]);
            }
        }
        return data;
    }

    [Fact]
    public void NumberSamples_AreAllThere()
    {
        Assert.Equal(26 + 7, NumberSamples().Count());
    }

    [Theory]
    [MemberData(nameof(NumberSamples))]
    public void NumberSample(string source, string ieeeHex, string expected)
    {
        _ = source;
        double d = BitConverter.Int64BitsToDouble(unchecked((long)ulong.Parse(ieeeHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        if (expected.Length == 0)
        {
            // NaN and Infinity have no JSON form.
            Assert.False(double.IsFinite(d));
            Assert.Equal("NonFinite", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.FormatNumber(d)).Reason);
            Assert.Equal("NonFinite", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(JsonValue.Create(d))).Reason);
            return;
        }
        // FormatNumber is ECMAScript Number.prototype.toString for every finite double, big integers included.
        Assert.Equal(expected, CanonicalJson.FormatNumber(d));
        Assert.Equal(d, double.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture)); // -0 == 0
        if (Math.Abs(d) > CanonicalJson.MaxSafeInteger)
        {
            // Our policy: such a number is an integer beyond ±(2^53−1) and must travel as a string.
            Assert.Equal(Math.Floor(d), d);
            Assert.Equal("IntegerOutOfRange", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(expected)).Reason);
            Assert.Equal("IntegerOutOfRange", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(JsonValue.Create(d))).Reason);
        }
        else
        {
            Assert.Equal(expected, CanonicalJson.Canonicalize(expected));
            Assert.Equal(expected, Utf8(CanonicalJson.Serialize(JsonValue.Create(d))));
            Assert.Equal(expected, Utf8(CanonicalJson.Serialize(new JsonArray(JsonValue.Create(d))))[1..^1]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Named cases: the lessons (SPEC "Lessons", JCS) and the string/structure rules of RFC 8785 section 3.2
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void TwoTo53_Collision_IsRefused_NotRounded()
    {
        // The lesson: two different literals that parse to one double would hash alike.
        Assert.Equal(9007199254740992.0, double.Parse("9007199254740993", CultureInfo.InvariantCulture));

        Assert.Equal("9007199254740991", CanonicalJson.Canonicalize("9007199254740991"));
        Assert.Equal("-9007199254740991", CanonicalJson.Canonicalize("-9007199254740991"));
        Assert.Equal("[9007199254740991]", CanonicalJson.Canonicalize("[9007199254740991.0]"));
        Assert.Equal("9007199254740991", Utf8(CanonicalJson.Serialize(JsonValue.Create(CanonicalJson.MaxSafeInteger))));
        Assert.Equal("4503599627370495.5", CanonicalJson.Canonicalize("4503599627370495.5"));

        foreach (var text in new[]
                 {
                     "9007199254740993", "9007199254740992", "-9007199254740992", "-9007199254740993", "1e16", "1E16", "-1e16",
                     "9007199254740992.0", "9.007199254740993e15", "90071992547409920e-1", "18446744073709551616",
                     "9223372036854775807", "-9223372036854775808", "123456789012345678901234567890", "1e21", "1.7976931348623157e308",
                     "{\"seq\":9007199254740993}", "[0,[1,9007199254740992]]",
                 })
        {
            var ex = Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text));
            Assert.Equal("IntegerOutOfRange", ex.Reason);
        }
        foreach (var node in new JsonNode?[]
                 {
                     JsonValue.Create(9007199254740992L), JsonValue.Create(-9007199254740992L), JsonValue.Create(long.MaxValue),
                     JsonValue.Create(9007199254740992UL), JsonValue.Create(ulong.MaxValue), JsonValue.Create(9007199254740992.0),
                     JsonValue.Create(1e16), JsonValue.Create(-1e16), JsonValue.Create(1e16f), JsonValue.Create(9007199254740993m),
                     JsonNode.Parse("9007199254740993"), JsonNode.Parse("1e16"), new JsonObject { ["n"] = 9007199254740993L },
                 })
        {
            Assert.Equal("IntegerOutOfRange", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(node)).Reason);
        }
    }

    [Fact]
    public void DuplicateKeys_AreRefused_EvenWhenTheyDifferOnlyByEscapes()
    {
        foreach (var text in new[]
                 {
                     "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":1}", "{\"a\":1,\"\\u0061\":2}", "{\"\\u0061\":1,\"a\":2}", "{\"/\":1,\"\\/\":2}",
                     "{\"\\n\":1,\"\\u000a\":2}", "{\"\u00e9\":1,\"\\u00e9\":2}", "{\"\U0001F600\":1,\"\\ud83d\\ude00\":2}",
                     "{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "[{\"a\":[]},{\"a\":null,\"a\":null}]", "{\"\":1,\"\":2}",
                 })
        {
            var ex = Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text));
            Assert.Equal("DuplicateKey", ex.Reason);
        }
        // A tree parsed by System.Text.Json (which keeps duplicates until the object is used) is refused the same way.
        var parsed = JsonNode.Parse("{\"a\":1,\"\\u0061\":2}");
        Assert.Equal("DuplicateKey", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(parsed)).Reason);
        // Keys that differ only in case, normalisation or by a code unit are not duplicates.
        Assert.Equal("{\"A\":1,\"a\":2}", CanonicalJson.Canonicalize("{\"a\":2,\"A\":1}"));
        Assert.Equal("{\"e\u0301\":2,\"\u00e9\":1}", CanonicalJson.Canonicalize("{\"\\u00e9\":1,\"e\\u0301\":2}"));
    }

    [Fact]
    public void NaN_And_Infinity_AreRefused()
    {
        foreach (var node in new JsonNode?[]
                 {
                     JsonValue.Create(double.NaN), JsonValue.Create(double.PositiveInfinity), JsonValue.Create(double.NegativeInfinity),
                     JsonValue.Create(float.NaN), JsonValue.Create(float.PositiveInfinity),
                     new JsonArray(1, JsonValue.Create(double.NaN)), new JsonObject { ["x"] = new JsonObject { ["y"] = double.NegativeInfinity } },
                 })
        {
            Assert.Equal("NonFinite", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(node)).Reason);
        }
        foreach (var d in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, BitConverter.Int64BitsToDouble(unchecked((long)0xfff8000000000001UL)) })
        {
            Assert.Equal("NonFinite", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.FormatNumber(d)).Reason);
        }
        // Literals that overflow a double are not silently turned into Infinity.
        foreach (var text in new[] { "1e400", "-1e400", "[1.8e308]", "{\"giantNumber\":1.4e+9999}" })
        {
            Assert.Equal("NonFinite", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text)).Reason);
        }
        // And the words are not JSON at all.
        foreach (var text in new[] { "NaN", "Infinity", "-Infinity", "[NaN]" })
        {
            Assert.Equal("InvalidJson", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text)).Reason);
        }
    }

    [Fact]
    public void Keys_AreSortedByUtf16CodeUnits_NotCodePoints()
    {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000; by code point (or UTF-8 bytes) it would sort after.
        const string expected = "{\"\U0001F600\":2,\"\uE000\":1}";
        Assert.Equal(expected, CanonicalJson.Canonicalize("{\"\\ue000\":1,\"\\ud83d\\ude00\":2}"));
        Assert.Equal(expected, CanonicalJson.Canonicalize("{\"\U0001F600\":2,\"\uE000\":1}"));
        Assert.Equal(expected, Utf8(CanonicalJson.Serialize(new JsonObject { ["\uE000"] = 1, ["\U0001F600"] = 2 })));
        Assert.Equal("{\"\U0001F600\":2,\"\uFFFF\":1}", Utf8(CanonicalJson.Serialize(new JsonObject { ["\uFFFF"] = 1, ["\U0001F600"] = 2 })));
        // Below U+D800 both orders agree.
        Assert.Equal("{\"\uD7FF\":1,\"\U0001F600\":2}", Utf8(CanonicalJson.Serialize(new JsonObject { ["\U0001F600"] = 2, ["\uD7FF"] = 1 })));
        // Raw (unescaped) values are compared, and a prefix sorts first; no locale (French, Swedish, case) anywhere.
        Assert.Equal("{\"\":0,\"\\n\":1,\"A\":2,\"a\":3,\"aa\":4,\"ab\":5,\"b\":6,\"\u00e9\":7}",
            CanonicalJson.Canonicalize("{\"\u00e9\":7,\"b\":6,\"ab\":5,\"aa\":4,\"a\":3,\"A\":2,\"\\u000a\":1,\"\":0}"));
    }

    [Fact]
    public void NonAscii_IsWrittenAsRawUtf8()
    {
        var bytes = CanonicalJson.Canonicalize("\"\\u00e9\\u20ac\\ud83d\\ude00\\u4e2d\\ufeff\\uffff\""u8);
        Assert.Equal(new byte[] { 0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xE4, 0xB8, 0xAD, 0xEF, 0xBB, 0xBF, 0xEF, 0xBF, 0xBF, 0x22 }, bytes);
        Assert.Equal("\"\u00e9\u20ac\U0001F600\u4e2d\"", Utf8(CanonicalJson.Serialize(JsonValue.Create("\u00e9\u20ac\U0001F600\u4e2d"))));
        // Combining sequences are kept as they are (no Unicode normalisation).
        Assert.Equal("\"A\u030a\"", CanonicalJson.Canonicalize("\"A\\u030a\""));
    }

    [Fact]
    public void ControlCharacters_AreEscapedLowercase_ExceptTheFiveShortForms()
    {
        for (int c = 0; c < 0x20; c++)
        {
            string expected = c switch
            {
                0x08 => "\"\\b\"",
                0x09 => "\"\\t\"",
                0x0A => "\"\\n\"",
                0x0C => "\"\\f\"",
                0x0D => "\"\\r\"",
                _ => "\"\\u00" + c.ToString("x2", CultureInfo.InvariantCulture) + "\"",
            };
            Assert.Equal(expected, Utf8(CanonicalJson.Serialize(JsonValue.Create(((char)c).ToString()))));
            Assert.Equal(expected, CanonicalJson.Canonicalize("\"\\u00" + c.ToString("X2", CultureInfo.InvariantCulture) + "\""));
            Assert.Equal(expected, CanonicalJson.Canonicalize("\"\\u00" + c.ToString("x2", CultureInfo.InvariantCulture) + "\""));
            // And as a key.
            Assert.Equal("{" + expected + ":0}", Utf8(CanonicalJson.Serialize(new JsonObject { [((char)c).ToString()] = 0 })));
        }
        Assert.Equal("\"\\\"\\\\\"", CanonicalJson.Canonicalize("\"\\u0022\\u005C\""));
        Assert.Equal("\"\\b\\f\\n\\r\\t\"", CanonicalJson.Canonicalize("\"\\b\\f\\n\\r\\t\""));
        // Raw control characters are not valid JSON input.
        Assert.Equal("InvalidJson", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize("\"a\u0001b\"")).Reason);
    }

    [Fact]
    public void LineSeparators_Delete_AndSolidus_AreLiteral()
    {
        Assert.Equal(new byte[] { 0x22, 0xE2, 0x80, 0xA8, 0xE2, 0x80, 0xA9, 0x7F, 0x2F, 0x22 }, CanonicalJson.Canonicalize("\"\\u2028\\u2029\\u007f\\/\""u8));
        Assert.Equal("\"\u2028\u2029\u007f/\"", Utf8(CanonicalJson.Serialize(JsonValue.Create("\u2028\u2029\u007f/"))));
        Assert.Equal("\"a/b\"", CanonicalJson.Canonicalize("\"a\\/b\""));
        Assert.Equal("{\"/\":\"</script>\"}", CanonicalJson.Canonicalize("{\"\\/\":\"<\\/script>\"}"));
        // U+0080..U+009F (C1 controls) are outside the ASCII control range: raw.
        Assert.Equal(new byte[] { 0x22, 0xC2, 0x80, 0xC2, 0x9F, 0x22 }, CanonicalJson.Canonicalize("\"\\u0080\\u009f\""u8));
    }

    [Fact]
    public void LoneSurrogates_AreRefused()
    {
        foreach (var text in new[]
                 {
                     "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800x\"", "\"x\\udfff\"", "\"\\ude00\\ud83d\"", "\"\\ud83d\\ud83d\"",
                     "{\"\\ud800\":1}", "[\"ok\",\"\\udbff\"]",
                 })
        {
            Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text)).Reason);
        }
        foreach (var node in new JsonNode?[]
                 {
                     JsonValue.Create("\ud800"), JsonValue.Create("a\udc00"), JsonValue.Create("\ude00\ud83d"), new JsonObject { ["\ud800"] = 1 },
                     new JsonArray(JsonValue.Create("x\udbff")),
                 })
        {
            Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(node)).Reason);
        }
        // The same through a tree System.Text.Json parsed (its strings are decoded only when written).
        Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(JsonNode.Parse("\"\\ud800\""))).Reason);
        Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(JsonNode.Parse("{\"k\":[\"\\udc00\"]}"))).Reason);
        // Invalid UTF-8 is refused too (here an encoded surrogate and a stray continuation byte).
        Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 })).Reason);
        Assert.Equal("InvalidString", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(new byte[] { 0x22, 0x80, 0x22 })).Reason);
        Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(new byte[] { 0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D }));
    }

    [Fact]
    public void DeepNesting_UpToTheReaderLimit_RoundTrips_AndBeyondIsRefusedBothWays()
    {
        int max = CanonicalJson.MaxDepth;
        string arrays = new string('[', max) + new string(']', max);
        Assert.Equal(arrays, CanonicalJson.Canonicalize(arrays));
        var objects = new StringBuilder();
        for (int i = 0; i < max - 1; i++)
        {
            objects.Append("{ \"k\" : ");
        }
        objects.Append("[ 1 ]").Append('}', max - 1);
        var canonicalObjects = CanonicalJson.Canonicalize(objects.ToString());
        Assert.Equal(objects.ToString().Replace(" ", ""), canonicalObjects);
        Assert.Equal(canonicalObjects, CanonicalJson.Canonicalize(canonicalObjects));

        Assert.Equal("InvalidJson", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(new string('[', max + 1) + new string(']', max + 1))).Reason);
        // The writer must not produce what its own parser (and the journal's checker) would then refuse.
        JsonNode deep = new JsonArray();
        for (int i = 1; i < max; i++)
        {
            deep = new JsonArray(deep);
        }
        Assert.Equal(arrays, Utf8(CanonicalJson.Serialize(deep)));
        var tooDeep = new JsonArray(deep);
        Assert.Equal("TooDeep", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(tooDeep)).Reason);
        Assert.Equal("TooDeep", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(new JsonObject { ["a"] = tooDeep.DeepClone() })).Reason);
    }

    [Fact]
    public void EmptyContainers()
    {
        Assert.Equal("{}", CanonicalJson.Canonicalize("{}"));
        Assert.Equal("[]", CanonicalJson.Canonicalize("[ ]"));
        Assert.Equal("{}", CanonicalJson.Canonicalize(" {\r\n} "));
        Assert.Equal("[{},[],{\"\":[]}]", CanonicalJson.Canonicalize("[ { } , [ ] , { \"\" : [ ] } ]"));
        Assert.Equal("{}", Utf8(CanonicalJson.Serialize(new JsonObject())));
        Assert.Equal("[]", Utf8(CanonicalJson.Serialize(new JsonArray())));
        Assert.Equal("\"\"", CanonicalJson.Canonicalize("\"\""));
    }

    [Fact]
    public void Whitespace_Everywhere_IsRemoved()
    {
        Assert.Equal("{\"a\":{},\"b\":[1,2,\"x y\"],\"c\":null}",
            CanonicalJson.Canonicalize(" \t\r\n{ \"c\"\t:\nnull ,\r\n\"b\" :\r\n[ 1 ,\t2 , \"x y\" ]\t, \"a\" : { } } \n"));
        Assert.Equal("true", CanonicalJson.Canonicalize("\n\ttrue\r\n"));
        Assert.Equal("[null,false]", CanonicalJson.Canonicalize("[null\n,\nfalse]"));
        // Only JSON whitespace: a no-break space or a BOM inside the text is not.
        Assert.Equal("InvalidJson", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize("[1,\u00a02]")).Reason);
    }

    [Fact]
    public void Numbers_AreWrittenInTheirECMAScriptForm()
    {
        Assert.Equal("[0,0,0,1,-1,4.5,0.002,1e-7,0.000001,1e-27,100,123.456,-0.5,5e-324]",
            CanonicalJson.Canonicalize("[0, -0, -0.0, 1.0, -1E0, 4.50, 2e-3, 1e-7, 1E-6, 0.000000000000000000000000001, 1e2, 123456e-3, -5e-1, 4.9406564584124654e-324]"));
        Assert.Equal("1e-7", CanonicalJson.FormatNumber(1e-7));
        Assert.Equal("123456789012345680000", CanonicalJson.FormatNumber(123456789012345680000.0));
        Assert.Equal("1.2345678901234568e+21", CanonicalJson.FormatNumber(1234567890123456800000.0));
        Assert.Equal("0", Utf8(CanonicalJson.Serialize(JsonValue.Create(-0.0))));
        Assert.Equal("0.1", Utf8(CanonicalJson.Serialize(JsonValue.Create(0.1m))));
        Assert.Equal("0.10000000149011612", Utf8(CanonicalJson.Serialize(JsonValue.Create(0.1f))));
    }

    [Fact]
    public void MalformedInput_IsRefused()
    {
        foreach (var text in new[] { "", " ", "{", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "/*c*/1", "1 // c", "01", "+1", ".5", "1.", "0x10", "'a'", "{a:1}", "[1]]", "[1] x", "tru" })
        {
            Assert.Equal("InvalidJson", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text)).Reason);
        }
        foreach (var text in new[] { "\"\\x41\"", "\"\\u12\"", "\"\\U0041\"" })
        {
            Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(text));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Properties over random trees (seeded: a failure names its seed)
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void RandomTrees_SerializeIsAFixedPoint_AndParsesBackToTheSameTree()
    {
        RandomJson.ForAll(3000, (rng, seed) =>
        {
            var tree = RandomJson.Value(rng, depth: rng.Next(1, 6));
            var bytes = CanonicalJson.Serialize(tree);
            AssertBytes(bytes, CanonicalJson.Canonicalize(bytes));
            RandomJson.AssertSame(tree, CanonicalJson.Parse(bytes));
            // Member insertion order does not matter.
            AssertBytes(bytes, CanonicalJson.Serialize(RandomJson.Reordered(tree, rng)));
            // A tree System.Text.Json parsed from the output serializes to the same bytes.
            AssertBytes(bytes, CanonicalJson.Serialize(JsonNode.Parse(bytes)));
            // The test-side renderer (used to make non-canonical variants) agrees with the writer when asked for canonical text.
            Assert.Equal(Utf8(bytes), RandomJson.Render(tree, rng, 0));
            // Any re-spelling (whitespace, escapes, member order, number forms) canonicalizes back to the same bytes.
            var variant = RandomJson.Render(tree, rng, 0.3, duplicates: false);
            AssertBytes(bytes, CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(variant)));
        });
    }

    [Fact]
    public void RandomVariants_AreCanonicalExactlyWhenTheyEqualTheirCanonicalForm()
    {
        int canonical = 0, refused = 0;
        RandomJson.ForAll(3000, (rng, seed) =>
        {
            var tree = RandomJson.Value(rng, depth: 3);
            var text = Encoding.UTF8.GetBytes(RandomJson.Render(tree, rng, rng.NextDouble() * 0.2, duplicates: true));
            try
            {
                var c = CanonicalJson.Canonicalize(text);
                if (c.AsSpan().SequenceEqual(text))
                {
                    canonical++;
                }
                else
                {
                    // Not canonical, but the same tree.
                    AssertBytes(CanonicalJson.Serialize(tree), c);
                }
            }
            catch (JsonCanonicalizationException ex)
            {
                Assert.Equal("DuplicateKey", ex.Reason); // the only thing the renderer can add that changes meaning
                refused++;
            }
        });
        Assert.True(canonical > 100 && refused > 10, $"canonical {canonical}, refused {refused}");
    }

    [Fact]
    public void RandomDoubles_FormatInECMAScriptShape_AndRoundTrip()
    {
        var shape = new Regex(@"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?(e[+-][1-9][0-9]*)?$", RegexOptions.CultureInvariant);
        RandomJson.ForAll(200_000, (rng, seed) =>
        {
            double d = RandomJson.AnyFiniteDouble(rng);
            string s = CanonicalJson.FormatNumber(d);
            Assert.Matches(shape, s);
            Assert.Equal(d, double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
            // Shortest: never more significant digits than .NET's shortest round-trip form.
            string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
            int Digits(string x) => x.Split('e', 'E')[0].Replace(".", "").Trim('0').Length;
            Assert.Equal(Digits(r), Digits(s.TrimStart('-')));
            // Exponent form exactly when the decimal point would sit outside (-6, 21].
            if (d != 0)
            {
                double mag = Math.Abs(d);
                bool exponent = s.Contains('e');
                Assert.Equal(mag >= 1e21 || mag < 1e-6, exponent);
            }
            if (Math.Abs(d) <= CanonicalJson.MaxSafeInteger)
            {
                Assert.Equal(s, CanonicalJson.Canonicalize(s));
            }
            else
            {
                Assert.Equal("IntegerOutOfRange", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Canonicalize(s)).Reason);
                Assert.Equal("IntegerOutOfRange", Assert.Throws<JsonCanonicalizationException>(() => CanonicalJson.Serialize(JsonValue.Create(d))).Reason);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The canonical form of a parsed document assembled from the writer's public pieces (sorting by UTF-16 code units,
    /// <see cref="CanonicalJson.WriteString"/>, <see cref="CanonicalJson.FormatNumber"/>) without the ±(2^53−1) policy,
    /// so that published outputs holding big numbers are still checked byte for byte.
    /// </summary>
    private static byte[] ComposeWithoutRangePolicy(JsonElement e)
    {
        var w = new ArrayBufferWriter<byte>();
        void Raw(string ascii) => w.Write(Encoding.ASCII.GetBytes(ascii));
        void Walk(JsonElement x)
        {
            switch (x.ValueKind)
            {
                case JsonValueKind.Object:
                    Raw("{");
                    bool first = true;
                    foreach (var p in x.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                    {
                        if (!first)
                        {
                            Raw(",");
                        }
                        first = false;
                        CanonicalJson.WriteString(p.Name, w);
                        Raw(":");
                        Walk(p.Value);
                    }
                    Raw("}");
                    break;
                case JsonValueKind.Array:
                    Raw("[");
                    bool firstItem = true;
                    foreach (var item in x.EnumerateArray())
                    {
                        if (!firstItem)
                        {
                            Raw(",");
                        }
                        firstItem = false;
                        Walk(item);
                    }
                    Raw("]");
                    break;
                case JsonValueKind.String:
                    CanonicalJson.WriteString(x.GetString()!, w);
                    break;
                case JsonValueKind.Number:
                    Raw(CanonicalJson.FormatNumber(double.Parse(x.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)));
                    break;
                case JsonValueKind.True:
                    Raw("true");
                    break;
                case JsonValueKind.False:
                    Raw("false");
                    break;
                default:
                    Raw("null");
                    break;
            }
        }
        Walk(e);
        return w.WrittenSpan.ToArray();
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    internal static void AssertBytes(byte[] expected, byte[] actual)
    {
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual)); // readable diff
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual)); // differences a string hides
        }
    }
}

/// <summary>Random JSON trees and re-spellings of them, for the property tests here and in the journal tests.</summary>
internal static class RandomJson
{
    /// <summary>Runs <paramref name="body"/> with seeds 1..count; a failure reports its seed.</summary>
    public static void ForAll(int count, Action<Random, int> body)
    {
        for (int seed = 1; seed <= count; seed++)
        {
            try
            {
                body(new Random(seed), seed);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: {ex.Message}");
            }
        }
    }

    public static JsonNode? Value(Random rng, int depth)
    {
        int pick = rng.Next(depth <= 0 ? 7 : 10);
        return pick switch
        {
            0 => null,
            1 => JsonValue.Create(rng.Next(2) == 0),
            2 or 3 => JsonValue.Create(String(rng)),
            4 => JsonValue.Create(SafeInteger(rng)),
            5 or 6 => JsonValue.Create(Double(rng)),
            7 or 8 => Object(rng, depth - 1),
            _ => Array(rng, depth - 1),
        };
    }

    public static JsonObject Object(Random rng, int depth)
    {
        var o = new JsonObject();
        int n = rng.Next(7);
        for (int i = 0; i < n; i++)
        {
            var key = Key(rng);
            if (!o.ContainsKey(key))
            {
                o[key] = Value(rng, depth);
            }
        }
        return o;
    }

    public static JsonArray Array(Random rng, int depth)
    {
        var a = new JsonArray();
        int n = rng.Next(6);
        for (int i = 0; i < n; i++)
        {
            a.Add(Value(rng, depth));
        }
        return a;
    }

    private static readonly string[] KeyPieces = ["a", "A", "b", "aa", "1", "\n", "\u007f", "\u00e9", "\u20ac", "\ud7ff", "\ue000", "\uffff", "\U0001F600", "\U00010000", "\"", "/", ""];

    /// <summary>Keys that often share prefixes and mix the ranges where UTF-16 and UTF-8 orders differ.</summary>
    public static string Key(Random rng)
    {
        if (rng.Next(2) == 0)
        {
            return String(rng);
        }
        var sb = new StringBuilder();
        int n = rng.Next(1, 4);
        for (int i = 0; i < n; i++)
        {
            sb.Append(KeyPieces[rng.Next(KeyPieces.Length)]);
        }
        return sb.ToString();
    }

    public static string String(Random rng)
    {
        var sb = new StringBuilder();
        int len = rng.Next(0, 10);
        for (int i = 0; i < len; i++)
        {
            switch (rng.Next(12))
            {
                case 0: sb.Append((char)rng.Next(0, 0x20)); break; // C0 controls
                case 1: sb.Append("\"\\/\u007f\u2028\u2029\u0080\u009f"[rng.Next(8)]); break;
                case 2: sb.Append((char)rng.Next(0x80, 0x800)); break; // two UTF-8 bytes
                case 3: sb.Append((char)rng.Next(0x800, 0xD800)); break; // three bytes, below the surrogates
                case 4: sb.Append((char)rng.Next(0xE000, 0x10000)); break; // three bytes, above the surrogates (sorts after them in UTF-16)
                case 5: sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x110000))); break; // astral: a surrogate pair
                case 6: sb.Append(char.ConvertFromUtf32(rng.Next(0x1F600, 0x1F650))); break;
                default: sb.Append((char)rng.Next(0x20, 0x7F)); break;
            }
        }
        return sb.ToString();
    }

    public static long SafeInteger(Random rng) => rng.Next(4) switch
    {
        0 => rng.Next(-1000, 1000),
        1 => rng.NextInt64(-CanonicalJson.MaxSafeInteger, CanonicalJson.MaxSafeInteger + 1),
        2 => (rng.Next(2) == 0 ? 1 : -1) * (CanonicalJson.MaxSafeInteger - rng.Next(0, 3)),
        _ => (rng.Next(2) == 0 ? 1 : -1) * (1L << rng.Next(0, 53)),
    };

    private static readonly double[] Edges =
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-7, 9.999999999999999e-7, 1e-6, 0.000001000001,
        0.1, 0.2, 0.30000000000000004, 1.0 / 3, 2.0 / 3, 1e15, 123456789012345.6, 4503599627370495.5, 9007199254740990.5, -9007199254740991.0,
        9007199254740991.0, 1424953923781206.2, 5e-324, 333333333.33333325,
    ];

    /// <summary>Finite doubles within ±(2^53−1): tiny, subnormal, negative, fractional, edges.</summary>
    public static double Double(Random rng)
    {
        while (true)
        {
            double d = AnyFiniteDouble(rng);
            if (Math.Abs(d) <= CanonicalJson.MaxSafeInteger)
            {
                return d;
            }
        }
    }

    /// <summary>Any finite double, huge ones included.</summary>
    public static double AnyFiniteDouble(Random rng)
    {
        while (true)
        {
            double sign = rng.Next(2) == 0 ? 1 : -1;
            double d = rng.Next(7) switch
            {
                0 => BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)), // any bit pattern
                1 => sign * BitConverter.Int64BitsToDouble(rng.NextInt64(1, 1L << 52)), // subnormal
                2 => sign * rng.NextDouble() * Math.Pow(10, rng.Next(-30, 25)),
                3 => sign * rng.Next(0, 10_000_000) / Math.Pow(10, rng.Next(0, 12)),
                4 => sign * Edges[rng.Next(Edges.Length)],
                5 => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(Edges[rng.Next(Edges.Length)]) + rng.Next(-2, 3)), // neighbours of edges
                _ => sign * Math.Pow(10, rng.Next(-25, 25)),
            };
            if (double.IsFinite(d))
            {
                return d;
            }
        }
    }

    /// <summary>A deep copy whose objects list their members in a random insertion order.</summary>
    public static JsonNode? Reordered(JsonNode? node, Random rng)
    {
        switch (node)
        {
            case JsonObject o:
                var members = o.Select(kv => kv).ToList();
                Shuffle(members, rng);
                var copy = new JsonObject();
                foreach (var kv in members)
                {
                    copy[kv.Key] = Reordered(kv.Value, rng);
                }
                return copy;
            case JsonArray a:
                var arr = new JsonArray();
                foreach (var item in a)
                {
                    arr.Add(Reordered(item, rng));
                }
                return arr;
            default:
                return node?.DeepClone();
        }
    }

    private static void Shuffle<T>(IList<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>Semantic equality: same members, same items, same strings, equal numbers (−0 equals 0).</summary>
    public static void AssertSame(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                break;
            case JsonObject eo:
                var ao = Assert.IsType<JsonObject>(actual);
                Assert.True(eo.Count == ao.Count, $"{path}: {eo.Count} members expected, {ao.Count} found");
                foreach (var kv in eo)
                {
                    Assert.True(ao.TryGetPropertyValue(kv.Key, out var av), $"{path}: member {kv.Key} missing");
                    AssertSame(kv.Value, av, path + "." + kv.Key);
                }
                break;
            case JsonArray ea:
                var aa = Assert.IsType<JsonArray>(actual);
                Assert.True(ea.Count == aa.Count, $"{path}: {ea.Count} items expected, {aa.Count} found");
                for (int i = 0; i < ea.Count; i++)
                {
                    AssertSame(ea[i], aa[i], $"{path}[{i}]");
                }
                break;
            case JsonValue ev:
                var actualValue = Assert.IsAssignableFrom<JsonValue>(actual);
                var kind = ev.GetValueKind();
                Assert.True(kind == actualValue.GetValueKind(), $"{path}: {kind} expected, {actualValue.GetValueKind()} found");
                if (kind == JsonValueKind.String)
                {
                    Assert.True(string.Equals(ev.GetValue<string>(), actualValue.GetValue<string>(), StringComparison.Ordinal), $"{path}: strings differ");
                }
                else if (kind == JsonValueKind.Number)
                {
                    double x = Number(ev), y = Number(actualValue);
                    Assert.True(x == y, $"{path}: {x:R} expected, {y:R} found");
                }
                break;
        }
    }

    private static double Number(JsonValue v)
    {
        if (v.TryGetValue<double>(out var d)) { return d; }
        if (v.TryGetValue<long>(out var l)) { return l; }
        if (v.TryGetValue<int>(out var i)) { return i; }
        throw new InvalidOperationException("not a number");
    }

    /// <summary>
    /// Writes <paramref name="node"/> as JSON, each choice non-canonical with probability <paramref name="p"/>: whitespace,
    /// member order, escapes (\/, \u with either hex case, \u00XX for the short forms), number spellings (1.0, 1e0, E,
    /// 17 digits...), and with <paramref name="duplicates"/> a repeated member. With p = 0 it is the canonical form.
    /// </summary>
    public static string Render(JsonNode? node, Random rng, double p, bool duplicates = false)
    {
        var sb = new StringBuilder();
        Render(node, rng, p, duplicates, sb);
        return sb.ToString();
    }

    private static bool Chance(Random rng, double p) => p > 0 && rng.NextDouble() < p;

    private static void Ws(Random rng, double p, StringBuilder sb)
    {
        while (Chance(rng, p))
        {
            sb.Append(" \t\r\n"[rng.Next(4)]);
        }
    }

    private static void Render(JsonNode? node, Random rng, double p, bool duplicates, StringBuilder sb)
    {
        Ws(rng, p, sb);
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                {
                    var members = o.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
                    if (Chance(rng, p))
                    {
                        Shuffle(members, rng);
                    }
                    if (duplicates && members.Count > 0 && Chance(rng, p / 2))
                    {
                        members.Insert(rng.Next(members.Count + 1), members[rng.Next(members.Count)]);
                    }
                    sb.Append('{');
                    for (int i = 0; i < members.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }
                        Ws(rng, p, sb);
                        RenderString(members[i].Key, rng, p, sb);
                        Ws(rng, p, sb);
                        sb.Append(':');
                        Render(members[i].Value, rng, p, duplicates, sb);
                    }
                    Ws(rng, p, sb);
                    sb.Append('}');
                    break;
                }
            case JsonArray a:
                sb.Append('[');
                for (int i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    Render(a[i], rng, p, duplicates, sb);
                }
                Ws(rng, p, sb);
                sb.Append(']');
                break;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String:
                        RenderString(v.GetValue<string>(), rng, p, sb);
                        break;
                    case JsonValueKind.Number:
                        RenderNumber(Number(v), rng, p, sb);
                        break;
                    case JsonValueKind.True:
                        sb.Append("true");
                        break;
                    case JsonValueKind.False:
                        sb.Append("false");
                        break;
                    default:
                        sb.Append("null");
                        break;
                }
                break;
        }
        Ws(rng, p, sb);
    }

    private static void RenderString(string s, Random rng, double p, StringBuilder sb)
    {
        sb.Append('"');
        for (int k = 0; k < s.Length; k++)
        {
            char c = s[k];
            if (Chance(rng, p))
            {
                // A surrogate pair is escaped as a whole (\ud83d\ude00): escaping one half alone would leave a lone surrogate.
                int units = char.IsHighSurrogate(c) ? 2 : 1;
                for (int u = 0; u < units; u++)
                {
                    string hex = ((int)s[k + u]).ToString(rng.Next(2) == 0 ? "x4" : "X4", CultureInfo.InvariantCulture);
                    sb.Append(c == '/' && rng.Next(2) == 0 ? "\\/" : "\\u" + hex);
                }
                k += units - 1;
                continue;
            }
            if (char.IsHighSurrogate(c))
            {
                sb.Append(c).Append(s[++k]);
                continue;
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    private static void RenderNumber(double d, Random rng, double p, StringBuilder sb)
    {
        string canonical = CanonicalJson.FormatNumber(d);
        if (!Chance(rng, p))
        {
            sb.Append(canonical);
            return;
        }
        bool plainInteger = canonical.IndexOfAny(['.', 'e']) < 0;
        string variant = rng.Next(5) switch
        {
            0 => d.ToString("E16", CultureInfo.InvariantCulture), // 17 significant digits, exponent with sign and zeros
            1 => d.ToString("R", CultureInfo.InvariantCulture), // .NET's layout, e.g. 1E-07, -0
            2 => plainInteger ? canonical + ".0" : canonical.Contains('e') ? canonical.Replace('e', 'E') : canonical + "0",
            3 => plainInteger ? canonical + "e0" : canonical.Replace("e+", "e"),
            _ => plainInteger ? (canonical == "0" ? "0e5" : canonical + "0e-1")
                : canonical.Contains('e') ? canonical.Replace("e", canonical.Contains('.') ? "0e" : ".0e") : canonical + "00",
        };
        sb.Append(variant);
    }
}
