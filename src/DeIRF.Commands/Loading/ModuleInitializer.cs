using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace DeIRF.Commands.Loading;

/// <summary>
/// Registers the engine resolver as soon as DeIRF.dll is loaded (module initializer), before PowerShell reflects
/// over any cmdlet, and removes it when the module is removed.
/// </summary>
public sealed class DeirfModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static int _registered;

    [ModuleInitializer]
    internal static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += DeirfLoadContext.ResolveEngine;
        }
    }

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1)
        {
            AssemblyLoadContext.Default.Resolving -= DeirfLoadContext.ResolveEngine;
        }
    }
}
