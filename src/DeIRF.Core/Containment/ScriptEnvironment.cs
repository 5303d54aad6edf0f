using System.Collections;
using System.Text.RegularExpressions;

namespace DeIRF.Containment;

/// <summary>
/// The environment a runbook script runs with: what PowerShell needs to start (PATH, HOME, temp folder, locale, and on
/// Windows the system folders) plus DEIRF_INCIDENT and DEIRF_SECRET_&lt;NAME&gt; for each secret the proposal declares in its
/// signed parameter <c>secrets</c> — never the caller's whole environment, whose tokens and -Secret values are not the
/// script's to see.
/// </summary>
public static class ScriptEnvironment
{
    /// <summary>The signed parameter that names the secrets a script may receive ("token, apiKey").</summary>
    public const string SecretsParameter = "secrets";

    public const string SecretPrefix = "DEIRF_SECRET_";

    private static readonly string[] Unix = ["PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LANGUAGE", "TZ", "DOTNET_ROOT"];

    private static readonly string[] Windows =
    [
        "PATH", "PATHEXT", "SystemRoot", "SystemDrive", "windir", "ComSpec", "TEMP", "TMP", "USERPROFILE", "USERNAME", "USERDOMAIN",
        "HOMEDRIVE", "HOMEPATH", "APPDATA", "LOCALAPPDATA", "ProgramData", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432",
        "CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "OS",
        "COMPUTERNAME", "DOTNET_ROOT",
    ];

    private static readonly Regex SecretName = new("^[A-Za-z][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant);

    /// <summary>The names a proposal declares in <c>secrets</c> (comma or space separated); empty when it declares none.</summary>
    public static IReadOnlyList<string> DeclaredSecrets(IReadOnlyDictionary<string, string> parameters)
    {
        if (!parameters.TryGetValue(SecretsParameter, out var list))
        {
            return [];
        }
        var names = list.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (names.FirstOrDefault(n => !SecretName.IsMatch(n)) is { } bad)
        {
            throw new ContainmentException("ScriptSecretsInvalid", DeirfErrorKind.InvalidArgument,
                $"The proposal's '{SecretsParameter}' names '{bad}', which is not a secret name (a letter, then letters, digits or _).", bad);
        }
        var clash = names.GroupBy(n => n.ToUpperInvariant(), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new ContainmentException("ScriptSecretsInvalid", DeirfErrorKind.InvalidArgument,
                $"The proposal's '{SecretsParameter}' names {string.Join(" and ", clash)}, which are one variable ({SecretPrefix}{clash.Key}).", clash.First());
        }
        return names;
    }

    /// <summary>
    /// Each declared secret, by name, from the run-time secrets; refuses (ScriptSecretMissing) when one is not given,
    /// before anything runs, so an approval is not used up on a run that cannot work.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DeclaredValues(ContainmentRequest request)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in DeclaredSecrets(request.Parameters))
        {
            values[name] = request.Secrets.TryGetValue(name, out var v) && v.Length > 0
                ? v
                : throw new ContainmentException("ScriptSecretMissing", DeirfErrorKind.InvalidArgument,
                    $"The proposal declares the secret '{name}' for its script, but none was given: pass -Secret @{{ {name} = ... }}.", name);
        }
        return values;
    }

    /// <summary>The child's whole environment, built from <paramref name="parent"/> (this process's environment) by allowlist.</summary>
    public static Dictionary<string, string> Build(IDictionary parent, IReadOnlyDictionary<string, string> declaredSecrets, string? incidentId, bool windows)
    {
        var comparer = windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var keep = (windows ? Windows : Unix).ToHashSet(comparer);
        var env = new Dictionary<string, string>(comparer);
        foreach (DictionaryEntry e in parent)
        {
            var name = e.Key.ToString()!;
            // LC_* set the locale on Unix; nothing else of the caller's passes.
            if ((keep.Contains(name) || (!windows && name.StartsWith("LC_", StringComparison.Ordinal))) && e.Value?.ToString() is { } value)
            {
                env[name] = value;
            }
        }
        // pwsh's own chatter (telemetry, update check) stays off in the child.
        env["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        env["POWERSHELL_UPDATECHECK"] = "Off";
        env["DEIRF_INCIDENT"] = incidentId ?? string.Empty;
        foreach (var (name, value) in declaredSecrets)
        {
            env[SecretPrefix + name.ToUpperInvariant()] = value;
        }
        return env;
    }
}
