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
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
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
