using System.Text.Json.Nodes;
using DeIRF.Containment;

namespace DeIRF.Providers.Kubernetes;

/// <summary>
/// What a pod quarantine added, as journaled with the apply result: the label (and each pod's previous value), the
/// NetworkPolicy (uid, and whether the quarantine created it), the node (and whether it was cordoned before).
/// </summary>
internal sealed class UndoState
{
    public required string Server { get; init; }
    public required string Context { get; init; }
    public required string Namespace { get; init; }
    public required string Pod { get; init; }
    public required string LabelValue { get; init; }
    public required IReadOnlyList<PodEntry> Pods { get; init; }
    public required string PolicyName { get; init; }
    public required string PolicyUid { get; init; }
    public string? PolicyResourceVersion { get; init; }
    public required bool PolicyCreated { get; init; }
    public string? NodeName { get; init; }
    public bool NodeCordonedByUs { get; init; }
    public bool NodeWasUnschedulable { get; init; }

    public sealed record PodEntry(string Name, string Uid, bool HadLabel, string? PreviousValue);

    /// <summary>The journaled form (the containment.applied entry's undo state) that <see cref="Read"/> reads back.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["version"] = Version,
            ["server"] = Server,
            ["context"] = Context,
            ["namespace"] = Namespace,
            ["pod"] = Pod,
            ["label"] = new JsonObject { ["key"] = PodQuarantine.LabelKey, ["value"] = LabelValue },
            ["pods"] = new JsonArray(Pods.Select(p =>
            {
                var entry = new JsonObject { ["name"] = p.Name, ["uid"] = p.Uid, ["hadLabel"] = p.HadLabel };
                if (p.HadLabel)
                {
                    entry["previousValue"] = p.PreviousValue;
                }
                return (JsonNode)entry;
            }).ToArray()),
            ["networkPolicy"] = new JsonObject
            {
                ["name"] = PolicyName,
                ["uid"] = PolicyUid,
                ["resourceVersion"] = PolicyResourceVersion,
                ["created"] = PolicyCreated,
            },
        };
        if (NodeName is not null)
        {
            json["node"] = new JsonObject { ["name"] = NodeName, ["wasUnschedulable"] = NodeWasUnschedulable, ["cordoned"] = NodeCordonedByUs };
        }
        return json;
    }

    public const int Version = 1;

    public static UndoState Read(JsonObject json, string target)
    {
        try
        {
            if ((int?)json["version"] != Version || (string?)json["label"]?["key"] != PodQuarantine.LabelKey)
            {
                throw new FormatException("unknown version or label key");
            }
            var ns = Text(json, "namespace");
            if ($"{ns}/{Text(json, "pod")}" != target)
            {
                throw new FormatException($"it is for {ns}/{json["pod"]}");
            }
            var policy = json["networkPolicy"] as JsonObject ?? throw new FormatException("no networkPolicy");
            var node = json["node"] as JsonObject;
            return new UndoState
            {
                Server = Text(json, "server"),
                Context = Text(json, "context"),
                Namespace = ns,
                Pod = Text(json, "pod"),
                LabelValue = (string?)json["label"]!["value"] ?? throw new FormatException("no label value"),
                Pods = (json["pods"] as JsonArray ?? throw new FormatException("no pods"))
                    .Select(p => new PodEntry(Text(p!.AsObject(), "name"), Text(p!.AsObject(), "uid"), (bool?)p["hadLabel"] ?? false, (string?)p["previousValue"]))
                    .ToList(),
                PolicyName = Text(policy, "name"),
                PolicyUid = Text(policy, "uid"),
                PolicyResourceVersion = (string?)policy["resourceVersion"],
                PolicyCreated = (bool?)policy["created"] ?? throw new FormatException("networkPolicy.created missing"),
                NodeName = node is null ? null : Text(node, "name"),
                NodeCordonedByUs = node is not null && ((bool?)node["cordoned"] ?? false),
                NodeWasUnschedulable = node is not null && ((bool?)node["wasUnschedulable"] ?? false),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or InvalidCastException)
        {
            throw new ContainmentException("KubernetesUndoStateInvalid", DeirfErrorKind.InvalidData,
                $"The undo state is not one a k8s.pod.quarantine of {target} wrote: {ex.Message}", target, ex);
        }
    }

    private static string Text(JsonObject o, string name)
        => (string?)o[name] is { Length: > 0 } v ? v : throw new FormatException($"'{name}' missing");
}
