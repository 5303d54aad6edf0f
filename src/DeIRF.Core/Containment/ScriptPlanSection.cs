using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeIRF.Containment;

/// <summary>
/// The plan a runbook script declares about itself, read from its text without running it (a reviewer's -WhatIf must
/// never execute a proposal). The section is one PowerShell block comment whose first line is <c>&lt;# DEIRF-PLAN</c>
/// and whose body is one JSON object, closed by <c>#&gt;</c>:
/// <code>
/// &lt;# DEIRF-PLAN
/// { "steps": ["append 'deny {{target}};' to {{denyList}}"], "expected": { "blocked": true }, "warnings": [] }
/// #&gt;
/// </code>
/// <c>steps</c> (array of strings) and <c>expected</c> (object) are required; <c>before</c> (object) and
/// <c>warnings</c> (array of strings) are optional. In every string, <c>{{target}}</c>, <c>{{incident}}</c> and
/// <c>{{name}}</c> of a signed parameter are replaced by their values (once, never re-scanned); any other
/// placeholder is ScriptPlanInvalid.
/// </summary>
public static class ScriptPlanSection
{
    public const string Opening = "<# DEIRF-PLAN";
    private const string Closing = "#>";

    private static readonly Regex Placeholder = new(@"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>The declared plan as JSON (placeholders not yet filled). <paramref name="source"/> names the script in errors.</summary>
    public static JsonObject Parse(string text, string source)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var opened = lines.Select((l, i) => (l, i)).Where(x => x.l.TrimStart().StartsWith(Opening, StringComparison.Ordinal)).Select(x => x.i).ToList();
        if (opened.Count == 0)
        {
            throw Invalid("ScriptPlanMissing",
                $"The runbook script '{source}' declares no plan section ('{Opening}' ... '{Closing}' with a JSON object). DeIRF never runs a script to plan it: add the section (docs/providers.md, \"script\").", source);
        }
        if (opened.Count > 1)
        {
            throw Invalid("ScriptPlanInvalid", $"The runbook script '{source}' has {opened.Count} plan sections (lines {string.Join(", ", opened.Select(i => i + 1))}); it must have one.", source);
        }
        var first = lines[opened[0]].TrimStart()[Opening.Length..];
        var body = new StringBuilder();
        var closed = false;
        for (var i = opened[0]; i < lines.Length && !closed; i++)
        {
            var line = i == opened[0] ? first : lines[i];
            var end = line.IndexOf(Closing, StringComparison.Ordinal);
            if (end >= 0)
            {
                line = line[..end];
                closed = true;
            }
            body.Append(line).Append('\n');
        }
        if (!closed)
        {
            throw Invalid("ScriptPlanInvalid", $"The plan section of '{source}' (line {opened[0] + 1}) is not closed with '{Closing}'.", source);
        }
        JsonObject plan;
        try
        {
            plan = JsonNode.Parse(body.ToString(), documentOptions: new JsonDocumentOptions { MaxDepth = 16 }) as JsonObject
                ?? throw new JsonException("the section is not one JSON object");
        }
        catch (JsonException ex)
        {
            throw Invalid("ScriptPlanInvalid", $"The plan section of '{source}' (line {opened[0] + 1}) is not one JSON object: {ex.Message}", source, ex);
        }
        if (Lines(plan["steps"]) is null)
        {
            throw Invalid("ScriptPlanInvalid", $"The plan section of '{source}' needs 'steps': an array of strings (empty when nothing changes).", source);
        }
        if (plan["expected"] is not JsonObject)
        {
            throw Invalid("ScriptPlanInvalid", $"The plan section of '{source}' needs 'expected': an object (the state verify will check).", source);
        }
        if (plan["before"] is not (null or JsonObject) || (plan["warnings"] is not null && Lines(plan["warnings"]) is null))
        {
            throw Invalid("ScriptPlanInvalid", $"In the plan section of '{source}', 'before' must be an object and 'warnings' an array of strings.", source);
        }
        return plan;
    }

    /// <summary>The declared plan for one request: placeholders filled from the target, incident and signed parameters.</summary>
    public static ContainmentPlan Fill(JsonObject declared, ContainmentRequest request, IReadOnlyDictionary<string, string> parameters, string source)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["target"] = request.Target, ["incident"] = request.IncidentId ?? string.Empty };
        foreach (var (k, v) in parameters)
        {
            values.TryAdd(k, v);
        }
        string Text(string s) => Placeholder.Replace(s, m => values.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw Invalid("ScriptPlanInvalid",
                $"The plan section of '{source}' uses '{{{{{m.Groups[1].Value}}}}}', which is neither target, incident nor a parameter of the proposal ({string.Join(", ", parameters.Keys)}).", source));
        JsonNode? Node(JsonNode? n) => n switch
        {
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Node(p.Value)))),
            JsonArray a => new JsonArray(a.Select(Node).ToArray()),
            JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Text(s)),
            _ => n?.DeepClone(),
        };
        var filled = (JsonObject)Node(declared)!;
        return new ContainmentPlan
        {
            Action = request.Action,
            Target = request.Target,
            Steps = Lines(filled["steps"])!,
            Before = filled["before"] as JsonObject ?? new JsonObject(),
            Expected = (JsonObject)filled["expected"]!,
            Warnings = Lines(filled["warnings"]) ?? [],
        };
    }

    /// <summary>An array of strings; null for anything else.</summary>
    internal static List<string>? Lines(JsonNode? node)
        => node is JsonArray a && a.All(s => s is JsonValue v && v.TryGetValue<string>(out _)) ? a.Select(s => s!.GetValue<string>()).ToList() : null;

    private static ContainmentException Invalid(string id, string message, string source, Exception? inner = null)
        => new(id, DeirfErrorKind.InvalidData, message, source, inner);
}
