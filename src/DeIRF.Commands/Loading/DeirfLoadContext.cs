using System.Reflection;
using System.Runtime.Loader;

namespace DeIRF.Commands.Loading;

/// <summary>
/// Loads the engine (DeIRF.Core) and every third-party assembly from the module's Dependencies/ folder into one
/// private context, so another module's BouncyCastle, AWS or Kubernetes assemblies in the same session never
/// collide with ours (PowerShell-Docs: "Resolving PowerShell module assembly dependency conflicts").
/// </summary>
public sealed class DeirfLoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static DeirfLoadContext? _instance;
    private readonly string _dependencyDirectory;

    private DeirfLoadContext(string dependencyDirectory)
        : base("DeIRF", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    public static string DependencyDirectory => Path.Combine(Path.GetDirectoryName(typeof(DeirfLoadContext).Assembly.Location)!, "Dependencies");

    public static DeirfLoadContext Instance
    {
        get
        {
            lock (Gate)
            {
                return _instance ??= new DeirfLoadContext(DependencyDirectory);
            }
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        // Anything not shipped in Dependencies/ (the framework, PowerShell itself) comes from the default context.
        if (!File.Exists(candidate))
        {
            return null;
        }
        // Shipped, but the runtime or $PSHOME already has it in a version that satisfies the request (same major,
        // not older: System.Formats.Asn1 under .NET 10): use that one, as PowerShellEditorServices' PsesLoadContext
        // does, so one process never holds two copies of a framework assembly. Under an older runtime ours loads.
        return DefersToPlatform(assemblyName.Version, PlatformVersion(assemblyName.Name!)) ? null : LoadFromAssemblyPath(candidate);
    }

    /// <summary>
    /// Whether the platform's copy (version <paramref name="platform"/>, null when the platform has none) serves a
    /// request for <paramref name="requested"/>: the same major version and not older. A different major is another
    /// API (Newtonsoft.Json 12 against PowerShell's 13): ours stays, isolated.
    /// </summary>
    public static bool DefersToPlatform(Version? requested, Version? platform) =>
        platform is not null && (requested is null || (platform.Major == requested.Major && platform >= requested));

    private static readonly Lazy<Dictionary<string, string>> Platform = new(() =>
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                map[Path.GetFileNameWithoutExtension(path)] = path;
            }
        }
        return map;
    });

    /// <summary>The version of the runtime's or PowerShell's own copy of an assembly (the trusted platform list), if any.</summary>
    public static Version? PlatformVersion(string name)
    {
        if (!Platform.Value.TryGetValue(name, out var path))
        {
            return null;
        }
        try
        {
            return AssemblyName.GetAssemblyName(path).Version;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var name in new[] { unmanagedDllName, "lib" + unmanagedDllName + ".so", unmanagedDllName + ".dll", "lib" + unmanagedDllName + ".dylib" })
        {
            var candidate = Path.Combine(_dependencyDirectory, name);
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }
        return IntPtr.Zero;
    }

    /// <summary>Default-context hook: only the engine is sent here; its own references then resolve inside.</summary>
    internal static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, "DeIRF.Core", StringComparison.Ordinal))
        {
            return null;
        }
        if (!File.Exists(Path.Combine(DependencyDirectory, "DeIRF.Core.dll")))
        {
            return null; // running from a build folder (tests): the default context finds it next to us
        }
        return Instance.LoadFromAssemblyName(name);
    }
}
