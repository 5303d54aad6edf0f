using System.Collections;
using Scriban;
using Scriban.Runtime;
using Scriban.Parsing;
using Scriban.Syntax;

namespace DeIRF.Templates;

/// <summary>A template that does not parse or fails while rendering; the message and target name the file and line.</summary>
public sealed class TemplateException : DeirfException
{
    public TemplateException(string errorId, string message, string location, Exception? inner = null)
        : base(errorId, DeirfErrorKind.InvalidData, message, location, inner)
    {
        Location = location;
    }

    /// <summary>"path:line:column" of the first problem.</summary>
    public string Location { get; }
}

/// <summary>
/// Renders the team's Markdown templates (templates/*.md) with Scriban. Templates are data the team edits, so they
/// run sandboxed: they see only the model handed in (no .NET members, no file or network access), with loop and
/// recursion limits. Model keys are used exactly as given (snake_case, as the templates' header comments list them).
/// </summary>
public static class TemplateRenderer
{
    /// <summary>The folder a template name resolves against: the workspace's templates/ when it has the file, else the module's.</summary>
    public static string Resolve(string name, string? workspaceRoot, string shippedDirectory)
    {
        var file = name.EndsWith(".md", StringComparison.Ordinal) ? name : name + ".md";
        if (workspaceRoot is not null && Path.Combine(workspaceRoot, "templates", file) is var own && File.Exists(own))
        {
            return own;
        }
        var shipped = Path.Combine(shippedDirectory, file);
        return File.Exists(shipped)
            ? shipped
            : throw new DeirfException("TemplateNotFound", DeirfErrorKind.NotFound,
                $"No template '{file}' in {(workspaceRoot is null ? string.Empty : Path.Combine(workspaceRoot, "templates") + " or ")}{shippedDirectory}.", name);
    }

    public static string RenderFile(string path, IReadOnlyDictionary<string, object?> model)
        => Render(File.ReadAllText(path), model, path);

    public static string Render(string text, IReadOnlyDictionary<string, object?> model, string sourceName = "template")
    {
        var template = Template.Parse(text, sourceName);
        if (template.HasErrors)
        {
            var first = template.Messages.First(m => m.Type == ParserMessageType.Error);
            throw new TemplateException("TemplateParseError",
                $"Template {Where(sourceName, first.Span)} does not parse: {first.Message}", Where(sourceName, first.Span));
        }
        var context = new TemplateContext
        {
            StrictVariables = false,
            EnableRelaxedMemberAccess = true,
            LoopLimit = 10_000,
            RecursiveLimit = 50,
            MemberRenamer = member => member.Name,
            // Keep output byte-for-byte predictable: no culture-dependent formatting.
            NewLine = "\n",
        };
        context.PushCulture(System.Globalization.CultureInfo.InvariantCulture);
        context.PushGlobal(ToScript(model));
        try
        {
            var output = template.Render(context);
            return output.Replace("\r\n", "\n", StringComparison.Ordinal);
        }
        catch (ScriptRuntimeException ex)
        {
            throw new TemplateException("TemplateRenderError",
                $"Template {Where(sourceName, ex.Span)} failed: {ex.OriginalMessage}", Where(sourceName, ex.Span), ex);
        }
    }

    private static string Where(string source, SourceSpan span) => $"{source}:{span.Start.Line + 1}:{span.Start.Column + 1}";

    /// <summary>Dictionaries become script objects and sequences arrays, so the template sees plain data only.</summary>
    private static ScriptObject ToScript(IReadOnlyDictionary<string, object?> model)
    {
        var so = new ScriptObject(StringComparer.Ordinal);
        foreach (var (key, value) in model)
        {
            so.SetValue(key, ToScriptValue(value), readOnly: false);
        }
        return so;
    }

    private static object? ToScriptValue(object? value) => value switch
    {
        null => null,
        string or bool or int or long or double or decimal => value,
        IReadOnlyDictionary<string, object?> d => ToScript(d),
        IEnumerable e => new ScriptArray(e.Cast<object?>().Select(ToScriptValue)),
        _ => value.ToString(),
    };
}
