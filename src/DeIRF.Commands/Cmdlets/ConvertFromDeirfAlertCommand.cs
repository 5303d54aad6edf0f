using System.Collections;
using System.Management.Automation;
using System.Text;
using System.Text.Json.Nodes;

namespace DeIRF.Commands.Cmdlets;

/// <summary>
/// Reads Falco JSON output, Alertmanager webhook payloads and generic JSON alerts into alert objects whose Title and
/// Tags bind to New-DeirfIncident, keeping the original bytes and their SHA-256.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "DeirfAlert", DefaultParameterSetName = ByInput)]
[OutputType("DeIRF.Alerts.Alert")]
public sealed class ConvertFromDeirfAlertCommand : DeirfCmdlet
{
    private const string ByPath = "ByPath";
    private const string ByInput = "ByInput";

    /// <summary>Alert files (wildcards allowed): one JSON document, or one JSON object per line. Piped files bind to InputObject.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByPath, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Alert text (strings), bytes, or objects (as from ConvertFrom-Json or Invoke-RestMethod).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByInput, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByPath)
        {
            foreach (var p in Path)
            {
                foreach (var file in ResolveFiles(p))
                {
                    Try(file, () => Emit(Alerts.AlertReader.Read(File.ReadAllBytes(file), file)));
                }
            }
            return;
        }
        foreach (var item in InputObject)
        {
            Try(item, () => Emit(ReadInput(item)));
        }
    }

    private void Emit(IReadOnlyList<Alerts.Alert> alerts)
    {
        foreach (var a in alerts)
        {
            WriteObject(a);
        }
    }

    private IEnumerable<string> ResolveFiles(string path)
    {
        try
        {
            return SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
        }
        catch (ItemNotFoundException ex)
        {
            WriteError(new ErrorRecord(ex, "AlertFileNotFound", ErrorCategory.ObjectNotFound, path));
            return [];
        }
    }

    private static IReadOnlyList<Alerts.Alert> ReadInput(PSObject item) => item.BaseObject switch
    {
        string s => Alerts.AlertReader.Read(s),
        byte[] b => Alerts.AlertReader.Read(b),
        FileInfo f => Alerts.AlertReader.Read(File.ReadAllBytes(f.FullName), f.FullName),
        // An object has no original bytes: its JSON rendering is what is kept and hashed.
        _ => Alerts.AlertReader.Read(Encoding.UTF8.GetBytes(ToJson(item)!.ToJsonString())),
    };

    private static JsonNode? ToJson(object? value)
    {
        value = value is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : value;
        switch (value)
        {
            case null:
                return null;
            case string s:
                return JsonValue.Create(s);
            case bool b:
                return JsonValue.Create(b);
            case DateTime dt:
                return JsonValue.Create(new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt).ToUniversalTime().ToString("o"));
            case DateTimeOffset dto:
                return JsonValue.Create(dto.ToUniversalTime().ToString("o"));
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                return JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case double or float or decimal:
                return JsonValue.Create(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            case IDictionary d:
                var o = new JsonObject();
                foreach (DictionaryEntry e in d)
                {
                    o[e.Key.ToString()!] = ToJson(e.Value);
                }
                return o;
            case PSObject ps:
                var obj = new JsonObject();
                foreach (var p in ps.Properties)
                {
                    obj[p.Name] = ToJson(p.Value);
                }
                return obj;
            case IEnumerable list:
                var a = new JsonArray();
                foreach (var x in list)
                {
                    a.Add(ToJson(x));
                }
                return a;
            default:
                return JsonValue.Create(value.ToString());
        }
    }
}
