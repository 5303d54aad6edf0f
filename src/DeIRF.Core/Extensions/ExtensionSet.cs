namespace DeIRF.Extensions;

/// <summary>
/// The implementations of one extension point as instances, made once per catalog version (an
/// <see cref="ExtensionCatalog.Import"/> makes the next read see the new ones). Each instance must say it serves the
/// key it is declared under (<paramref name="keyOf"/>), or the whole set is refused as ExtensionInvalid: a declaration
/// and its type that disagree are a build mistake, never something to guess around.
/// </summary>
public sealed class ExtensionSet<T>(string point, Func<T, string>? keyOf = null, StringComparer? keys = null) where T : class
{
    private readonly object _gate = new();
    private readonly StringComparer _keys = keys ?? StringComparer.Ordinal;
    private (int Version, IReadOnlyList<(string Key, T Instance)> List)? _cache;

    public string Point { get; } = point;

    /// <summary>Every implementation as (key, instance), in catalog order.</summary>
    public IReadOnlyList<(string Key, T Instance)> Items
    {
        get
        {
            lock (_gate)
            {
                var version = ExtensionCatalog.Version;
                if (_cache is { } c && c.Version == version)
                {
                    return c.List;
                }
                var list = new List<(string, T)>();
                foreach (var entry in ExtensionCatalog.Of(Point))
                {
                    var instance = entry.Instance<T>();
                    if (keyOf is not null && !_keys.Equals(keyOf(instance), entry.Key))
                    {
                        throw new ExtensionException("ExtensionInvalid", DeirfErrorKind.InvalidData,
                            $"{entry.AssemblyName} declares {Point} '{entry.Key}' but {entry.TypeName} says it is '{keyOf(instance)}'.", entry.Key);
                    }
                    list.Add((entry.Key, instance));
                }
                IReadOnlyList<(string Key, T Instance)> items = list.ToArray();
                _cache = (version, items);
                return items;
            }
        }
    }

    /// <summary>The instance declared under <paramref name="key"/> (compared as the set's key comparer does), or null.</summary>
    public T? Find(string key)
    {
        foreach (var (k, instance) in Items)
        {
            if (_keys.Equals(k, key))
            {
                return instance;
            }
        }
        return null;
    }

    /// <summary>The declared keys, in catalog order, without loading any implementation.</summary>
    public IReadOnlyList<string> Keys => ExtensionCatalog.Of(Point).Select(e => e.Key).ToArray();
}
