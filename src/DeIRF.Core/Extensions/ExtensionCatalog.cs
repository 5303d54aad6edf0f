using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace DeIRF.Extensions;

/// <summary>One declared extension: where it comes from and, once asked for, its loaded type.</summary>
public sealed class ExtensionEntry
{
    private readonly object _gate = new();
    private Type? _type;
    private object? _instance;

    internal ExtensionEntry(string point, string key, string typeName, string assemblyName, string path, bool builtIn, byte[]? image = null)
    {
        Image = image;
        Point = point;
        Key = key;
        TypeName = typeName;
        AssemblyName = assemblyName;
        Path = path;
        BuiltIn = builtIn;
    }

    public string Point { get; }
    public string Key { get; }
    public string TypeName { get; }
    public string AssemblyName { get; }

    /// <summary>The assembly file that declares it.</summary>
    public string Path { get; }

    /// <summary>Shipped with the module (the engine's folder), as opposed to imported (Import-DeirfExtension).</summary>
    public bool BuiltIn { get; }

    /// <summary>An imported assembly's bytes as read and checked at import: what loads, whatever the file becomes.</summary>
    internal byte[]? Image { get; }

    /// <summary>Whether its assembly has been loaded (a provider's SDK loads only on first use).</summary>
    public bool IsLoaded => _type is not null;

    /// <summary>The implementation type, loading its assembly into the engine's load context on first use.</summary>
    public Type LoadType()
    {
        lock (_gate)
        {
            return _type ??= ExtensionCatalog.LoadTypeOf(this);
        }
    }

    /// <summary>The one shared instance (parameterless constructor), cast to the point's interface.</summary>
    public T Instance<T>() where T : class
    {
        lock (_gate)
        {
            if (_instance is null)
            {
                var type = LoadType();
                try
                {
                    _instance = Activator.CreateInstance(type)!;
                }
                catch (Exception ex) when (ex is MissingMethodException or TargetInvocationException or MemberAccessException)
                {
                    throw ExtensionCatalog.Unavailable(this, $"{TypeName} could not be created: {(ex as TargetInvocationException)?.InnerException?.Message ?? ex.Message}", ex);
                }
            }
            return _instance as T ?? throw ExtensionCatalog.Unavailable(this, $"{TypeName} does not implement {typeof(T).Name}");
        }
    }

    public override string ToString() => $"{Point} {Key} ({TypeName}, {AssemblyName})";
}

/// <summary>An extension that cannot be used (its assembly missing or broken), or one that may not be added.</summary>
public sealed class ExtensionException : DeirfException
{
    public ExtensionException(string errorId, DeirfErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(errorId, kind, message, target, inner)
    {
    }
}

/// <summary>
/// Everything late-bound in DeIRF, in one place: containment providers, signing payloads, evidence stores,
/// disclosure anchors, proof kinds and alert shapes. Entries come from <see cref="DeirfExtensionAttribute"/>s of the
/// assemblies in the engine's own folder (read from metadata, nothing loaded) and of assemblies a user imports
/// (<see cref="Import"/>). Nothing in a workspace can add one: extensions are code, and a workspace is data that
/// arrives through git. An extension never replaces a key another one already serves.
/// </summary>
public static class ExtensionCatalog
{
    private static readonly object Gate = new();
    private static List<ExtensionEntry>? _entries;
    private static readonly Dictionary<string, (string Path, Guid Mvid)> ImportedAssemblies = new(StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> ImportedDirectories = new(StringComparer.Ordinal);
    private static bool _resolverHooked;
    private static int _version;

    /// <summary>Changes whenever an import adds entries, so registries built from the catalog know to rebuild.</summary>
    public static int Version => Volatile.Read(ref _version);

    /// <summary>The engine's folder: Dependencies/ inside the module, the build folder in tests.</summary>
    public static string EngineDirectory => System.IO.Path.GetDirectoryName(typeof(ExtensionCatalog).Assembly.Location)!;

    public static IReadOnlyList<ExtensionEntry> Entries
    {
        get
        {
            lock (Gate)
            {
                return (_entries ??= ScanEngineDirectory()).ToArray();
            }
        }
    }

    public static IReadOnlyList<ExtensionEntry> Of(string point) => Entries.Where(e => e.Point == point).ToArray();

    /// <summary>The entry serving <paramref name="key"/> exactly, or null.</summary>
    public static ExtensionEntry? Find(string point, string key)
        => Entries.FirstOrDefault(e => e.Point == point && string.Equals(e.Key, key, StringComparison.Ordinal));

    /// <summary>An exact key, else the longest prefix key (ending in '.') that <paramref name="name"/> starts with.</summary>
    public static ExtensionEntry? FindByPrefix(string point, string name)
        => Find(point, name) ?? Entries.Where(e => e.Point == point && e.Key.EndsWith('.') && name.StartsWith(e.Key, StringComparison.Ordinal))
            .OrderByDescending(e => e.Key.Length).FirstOrDefault();

    /// <summary>
    /// Adds the extensions an assembly file declares, after checks: the file exists, is a .NET assembly that declares
    /// at least one extension, no one but its owner may change it (on Unix), and none of its keys is served already.
    /// Importing the same file again is a no-op. Its types load on first use, like the built-in ones.
    /// </summary>
    public static IReadOnlyList<ExtensionEntry> Import(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ExtensionException("ExtensionNotFound", DeirfErrorKind.NotFound, $"The extension assembly '{full}' does not exist.", path);
        }
        // The file that will run and the folder it is in: a link is followed to its target, and neither may be
        // changed by anyone but the owner (a folder others may write lets them swap the file).
        var real = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        RefuseIfOthersMayWrite(real, path);
        RefuseIfOthersMayWrite(System.IO.Path.GetDirectoryName(real)!, path);
        // Read once: the checks, the declarations and the load all see these bytes, never the file again.
        var image = File.ReadAllBytes(real);
        List<(string Point, string Key, string Type)> declared;
        string assemblyName;
        Guid mvid;
        try
        {
            (assemblyName, declared, mvid) = ReadDeclarations(new MemoryStream(image, writable: false));
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or IOException)
        {
            throw new ExtensionException("ExtensionInvalid", DeirfErrorKind.InvalidData, $"'{full}' is not a .NET assembly: {ex.Message}", path, ex);
        }
        if (declared.Count == 0)
        {
            throw new ExtensionException("ExtensionInvalid", DeirfErrorKind.InvalidData,
                $"'{full}' declares no DeIRF extension ([assembly: DeirfExtension(point, key, typeof(T))]).", path);
        }
        lock (Gate)
        {
            _entries ??= ScanEngineDirectory();
            if (ImportedAssemblies.TryGetValue(assemblyName, out var already))
            {
                // The same build again (another path to it, a link, a copy): nothing to add.
                if (already.Mvid == mvid)
                {
                    return _entries.Where(e => e.Path == already.Path).ToArray();
                }
                throw new ExtensionException("ExtensionConflict", DeirfErrorKind.AlreadyExists,
                    $"Another build of {assemblyName} is already imported from '{already.Path}'; a session holds one (start a new session to change it).", path);
            }
            if (_entries.Any(e => string.Equals(e.AssemblyName, assemblyName, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ExtensionException("ExtensionConflict", DeirfErrorKind.AlreadyExists,
                    $"{assemblyName} is already part of the module.", path);
            }
            var added = new List<ExtensionEntry>();
            foreach (var (point, key, type) in declared)
            {
                Validate(point, key, full);
                if (_entries.Concat(added).FirstOrDefault(e => e.Point == point && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) is { } taken)
                {
                    throw new ExtensionException("ExtensionConflict", DeirfErrorKind.AlreadyExists,
                        $"{assemblyName} declares {point} '{key}', which {taken.AssemblyName} already serves: an extension never replaces another. Nothing was imported.", path);
                }
                added.Add(new ExtensionEntry(point, key, type, assemblyName, full, builtIn: false, image));
            }
            ImportedAssemblies[assemblyName] = (full, mvid);
            ImportedDirectories.Add(System.IO.Path.GetDirectoryName(real)!);
            HookResolver();
            _entries.AddRange(added);
            Interlocked.Increment(ref _version);
            return added;
        }
    }

    internal static ExtensionException Unavailable(ExtensionEntry entry, string reason, Exception? inner = null)
        => new("ExtensionUnavailable", DeirfErrorKind.ResourceUnavailable,
            $"The {entry.Point} extension '{entry.Key}' ({entry.AssemblyName}) could not be loaded: {reason}", entry.Key, inner);

    internal static Type LoadTypeOf(ExtensionEntry entry)
    {
        try
        {
            var context = EngineContext;
            Assembly assembly;
            if (entry.BuiltIn)
            {
                assembly = string.Equals(entry.AssemblyName, typeof(ExtensionCatalog).Assembly.GetName().Name, StringComparison.Ordinal)
                    ? typeof(ExtensionCatalog).Assembly
                    : context.LoadFromAssemblyName(new AssemblyName(entry.AssemblyName));
            }
            else
            {
                assembly = context.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, entry.AssemblyName, StringComparison.Ordinal))
                    ?? context.LoadFromStream(new MemoryStream(entry.Image!, writable: false));
            }
            return assembly.GetType(entry.TypeName, throwOnError: true)!;
        }
        catch (Exception ex) when (ex is FileNotFoundException or TypeLoadException or FileLoadException or BadImageFormatException)
        {
            throw Unavailable(entry, ex.Message, ex);
        }
    }

    /// <summary>The engine's load context: DeirfLoadContext inside the module, the default context in tests.</summary>
    private static AssemblyLoadContext EngineContext => AssemblyLoadContext.GetLoadContext(typeof(ExtensionCatalog).Assembly) ?? AssemblyLoadContext.Default;

    private static void HookResolver()
    {
        if (_resolverHooked)
        {
            return;
        }
        _resolverHooked = true;
        // An imported extension's own dependencies sit next to it.
        EngineContext.Resolving += (context, name) =>
        {
            string[] dirs;
            lock (Gate)
            {
                dirs = ImportedDirectories.ToArray();
            }
            foreach (var dir in dirs)
            {
                var candidate = System.IO.Path.Combine(dir, name.Name + ".dll");
                if (File.Exists(candidate))
                {
                    return context.LoadFromAssemblyPath(candidate);
                }
            }
            return null;
        };
    }

    private static void Validate(string point, string key, string path)
    {
        if (!ExtensionPoints.All.Contains(point))
        {
            throw new ExtensionException("ExtensionInvalid", DeirfErrorKind.InvalidData,
                $"'{path}' declares the unknown extension point '{point}'; the points are {string.Join(", ", ExtensionPoints.All)}.", path);
        }
        if (string.IsNullOrWhiteSpace(key) || key.Length > 64 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ExtensionException("ExtensionInvalid", DeirfErrorKind.InvalidData, $"'{path}' declares an invalid {point} key '{key}'.", path);
        }
    }

    /// <summary>Every assembly in the engine's folder that references the engine (or is it), read as metadata only.</summary>
    private static List<ExtensionEntry> ScanEngineDirectory()
    {
        var entries = new List<ExtensionEntry>();
        var dir = EngineDirectory;
        foreach (var file in Directory.EnumerateFiles(dir, "*.dll").Order(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(file);
                var (name, declared, _) = ReadDeclarations(stream);
                foreach (var (point, key, type) in declared)
                {
                    if (!ExtensionPoints.All.Contains(point) || entries.Any(e => e.Point == point && string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)))
                    {
                        continue; // a module build never ships two claims on one key; skip rather than guess
                    }
                    entries.Add(new ExtensionEntry(point, key, type, name, file, builtIn: true));
                }
            }
            catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Native libraries and resource-only files in the folder declare nothing.
            }
        }
        return entries;
    }

    private const string EngineName = "DeIRF.Core";
    private const string AttributeNamespace = "DeIRF.Extensions";
    private const string AttributeName = nameof(DeirfExtensionAttribute);

    /// <summary>The assembly's name and its DeirfExtension declarations, from metadata (the assembly is not loaded).</summary>
    internal static (string AssemblyName, List<(string Point, string Key, string Type)> Declared, Guid Mvid) ReadDeclarations(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadDeclarations(stream);
    }

    private static (string AssemblyName, List<(string Point, string Key, string Type)> Declared, Guid Mvid) ReadDeclarations(Stream stream)
    {
        using var pe = new PEReader(stream, PEStreamOptions.LeaveOpen);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException("no .NET metadata");
        }
        var md = pe.GetMetadataReader();
        if (!md.IsAssembly)
        {
            throw new BadImageFormatException("a module, not an assembly");
        }
        var assemblyName = md.GetString(md.GetAssemblyDefinition().Name);
        var declared = new List<(string, string, string)>();
        var mvid = md.GetGuid(md.GetModuleDefinition().Mvid);
        var isEngine = assemblyName == EngineName;
        if (!isEngine && !md.AssemblyReferences.Any(r => md.GetString(md.GetAssemblyReference(r).Name) == EngineName))
        {
            return (assemblyName, declared, mvid);
        }
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (!IsExtensionAttribute(md, attribute.Constructor))
            {
                continue;
            }
            var value = attribute.DecodeValue(NameProvider.Instance);
            if (value.FixedArguments.Length != 3
                || value.FixedArguments[0].Value is not string point
                || value.FixedArguments[1].Value is not string key
                || value.FixedArguments[2].Value is not string type)
            {
                continue;
            }
            // A Type argument is serialised as "Namespace.Type" (same assembly) or assembly-qualified.
            var comma = type.IndexOf(',');
            declared.Add((point, key, comma < 0 ? type : type[..comma].Trim()));
        }
        return (assemblyName, declared, mvid);
    }

    private static void RefuseIfOthersMayWrite(string path, string given)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        // A folder with the sticky bit (/tmp) lets others add files but not replace ours.
        var sticky = Directory.Exists(path) && (mode & UnixFileMode.StickyBit) != 0;
        if (!sticky && (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new ExtensionException("ExtensionFileTooOpen", DeirfErrorKind.SecurityError,
                $"'{path}' may be changed by others (mode {Convert.ToString((int)mode, 8)}): an extension runs as you, so it and its folder must be writable by their owner only (chmod go-w). Nothing was imported.", given);
        }
    }

    private static bool IsExtensionAttribute(MetadataReader md, EntityHandle constructor)
    {
        EntityHandle parent;
        if (constructor.Kind == HandleKind.MemberReference)
        {
            parent = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
        }
        else if (constructor.Kind == HandleKind.MethodDefinition)
        {
            parent = md.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
        }
        else
        {
            return false;
        }
        return parent.Kind switch
        {
            HandleKind.TypeReference => Named(md, md.GetTypeReference((TypeReferenceHandle)parent).Namespace, md.GetTypeReference((TypeReferenceHandle)parent).Name),
            HandleKind.TypeDefinition => Named(md, md.GetTypeDefinition((TypeDefinitionHandle)parent).Namespace, md.GetTypeDefinition((TypeDefinitionHandle)parent).Name),
            _ => false,
        };
    }

    private static bool Named(MetadataReader md, StringHandle ns, StringHandle name)
        => md.StringComparer.Equals(ns, AttributeNamespace) && md.StringComparer.Equals(name, AttributeName);

    /// <summary>Decodes attribute arguments to names: strings stay strings, a Type argument becomes its serialised name.</summary>
    private sealed class NameProvider : ICustomAttributeTypeProvider<string>
    {
        public static readonly NameProvider Instance = new();

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSystemType() => "System.Type";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeDefinition(handle);
            return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
        }
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeReference(handle);
            return reader.GetString(t.Namespace) + "." + reader.GetString(t.Name);
        }
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(string type) => type == "System.Type";
    }
}
