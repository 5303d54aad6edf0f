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
    /// <summary>
    /// The file a template name resolves to: this machine's override (<see cref="Workspaces.LocalOverrides.Templates"/>,
    /// or <paramref name="overridesDirectory"/>), else the module's. A templates/ file in the workspace is never used (it
    /// travels through sync): <paramref name="warn"/> hears about it, and when it is the only one, TemplateInWorkspace.
    /// </summary>
    public static string Resolve(string name, string? workspaceRoot, string shippedDirectory, Action<string>? warn = null, string? overridesDirectory = null)
    {
        var file = name.EndsWith(".md", StringComparison.Ordinal) ? name : name + ".md";
        var overrides = overridesDirectory ?? Workspaces.LocalOverrides.Templates;
        var found = new[] { Path.Combine(overrides, file), Path.Combine(shippedDirectory, file) }.FirstOrDefault(File.Exists);
        if (workspaceRoot is not null && Path.Combine(Workspaces.WorkspaceLayout.PathIn(workspaceRoot, Workspaces.WorkspaceLayout.TemplatesFolder), file) is var own && File.Exists(own))
        {
            var why = Workspaces.LocalOverrides.Ignored(own, overrides);
            if (found is null)
            {
                throw new DeirfException("TemplateInWorkspace", DeirfErrorKind.SecurityError, why, name);
            }
            warn?.Invoke(why);
        }
        return found
            ?? throw new DeirfException("TemplateNotFound", DeirfErrorKind.NotFound, $"No template '{file}' in {overrides} or {shippedDirectory}.", name);
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
