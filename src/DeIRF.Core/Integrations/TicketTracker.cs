using System.Text.Json;
using DeIRF.Canonical;

namespace DeIRF.Integrations;

/// <summary>What goes into a tracker ticket: the incident, in words a maintainer reading the advisory or issue needs.</summary>
public sealed record TicketDraft(string Incident, string Title, string Description)
{
    /// <summary>GitHub advisories need an affected package: its ecosystem (GitHub's list; "other" when none fits) and name.</summary>
    public string Ecosystem { get; init; } = "other";
    public string? PackageName { get; init; }
}

/// <summary>
/// Opens the incident's ticket: a draft repository security advisory on GitHub, or a confidential issue of type
/// "incident" on GitLab. Creating a ticket is not idempotent, so requests are retried only when they cannot have
/// reached the service (see <see cref="RetrySafety"/>).
/// </summary>
public static class TicketTracker
{
    public const string GitHubDefaultApi = "https://api.github.com";
    public const string GitLabDefaultApi = "https://gitlab.com/api/v4";
    public const string GitHubApiVersion = "2022-11-28";

    /// <summary>GitHub's advisory ecosystems (security-advisory-ecosystems in the REST description).</summary>
    public static readonly IReadOnlyList<string> GitHubEcosystems =
        ["rubygems", "npm", "pip", "maven", "nuget", "composer", "go", "rust", "erlang", "actions", "pub", "other", "swift"];

    /// <summary>Checks the repository form before anything is opened: "owner/name" for GitHub; a numeric id or a path for GitLab.</summary>
    public static string ValidateRepository(string tracker, string? repository)
    {
        var r = repository?.Trim() ?? string.Empty;
        var ok = tracker == "github"
            ? System.Text.RegularExpressions.Regex.IsMatch(r, "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
            : r.Length is > 0 and <= 512 && !r.Any(char.IsWhiteSpace) && !r.StartsWith('/') && !r.EndsWith('/');
        if (!ok)
        {
            throw new IntegrationException("TrackerRepositoryInvalid", DeirfErrorKind.InvalidArgument,
                tracker == "github"
                    ? $"'{r}' is not a GitHub repository: -TrackerRepository takes owner/name."
                    : $"'{r}' is not a GitLab project: -TrackerRepository takes the numeric project id or its path (group/project, URL-encoded or not).",
                repository, tracker, tracker == "github" ? "advisory.create" : "issue.create", 0);
        }
        return r;
    }

    public static IntegrationResult CreateGitHubAdvisory(OutboundHttp http, Uri apiBase, string repository, string token, TicketDraft draft, CancellationToken cancellationToken = default)
    {
        const string operation = "advisory.create";
        repository = ValidateRepository("github", repository);
        if (!GitHubEcosystems.Contains(draft.Ecosystem))
        {
            throw new IntegrationException("TrackerEcosystemInvalid", DeirfErrorKind.InvalidArgument,
                $"'{draft.Ecosystem}' is not a GitHub advisory ecosystem ({string.Join(", ", GitHubEcosystems)}).", draft.Ecosystem, "github", operation, 0);
        }
        // A plain-text field: one line, and no @mention that would notify anyone.
        var summary = $"{draft.Incident}: {OutsideText.WithoutMentions(OutsideText.Line(draft.Title))}";
        var body = new Dictionary<string, object>
        {
            // summary, description and vulnerabilities (each with package.ecosystem) are what the API requires.
            ["summary"] = summary.Length > 1024 ? summary[..1024] : summary,
            ["description"] = draft.Description,
            ["vulnerabilities"] = new object[]
            {
                new Dictionary<string, object>
                {
                    ["package"] = new Dictionary<string, object> { ["ecosystem"] = draft.Ecosystem, ["name"] = draft.PackageName ?? repository.Split('/')[1] },
                },
            },
        };
        var request = new OutboundRequest("github", operation, HttpMethod.Post, IntegrationCallRunner.Combine(apiBase, $"repos/{repository}/security-advisories"))
        {
            JsonBody = IntegrationCallRunner.Json(body),
            Headers =
            [
                new("Accept", "application/vnd.github+json"),
                new("X-GitHub-Api-Version", GitHubApiVersion),
                new("Authorization", $"Bearer {token}"),
            ],
            Secrets = [token],
            Safety = RetrySafety.NotIdempotent,
            Target = repository,
        };
        var result = new IntegrationResult
        {
            Incident = draft.Incident, Integration = "github", Operation = operation, Endpoint = Redaction.Origin(apiBase), Target = repository,
        };
        return IntegrationCallRunner.Run(http, request, result, (r, json) => IntegrationCallRunner.Require(request, r, json, "html_url"), cancellationToken);
    }

    public static IntegrationResult CreateGitLabIssue(OutboundHttp http, Uri apiBase, string project, string token, TicketDraft draft, CancellationToken cancellationToken = default)
    {
        const string operation = "issue.create";
        project = ValidateRepository("gitlab", project);
        // A path goes in URL-encoded (group%2Fproject); an id or an already-encoded path is used as given.
        var id = project.Contains('/') ? Uri.EscapeDataString(project) : project;
        var title = $"{draft.Incident}: {OutsideText.WithoutMentions(OutsideText.Line(draft.Title))}";
        var body = new Dictionary<string, object>
        {
            ["title"] = title.Length > 255 ? title[..255] : title,
            ["description"] = draft.Description,
            ["confidential"] = true,
            ["issue_type"] = "incident",
        };
        var request = new OutboundRequest("gitlab", operation, HttpMethod.Post, IntegrationCallRunner.Combine(apiBase, $"projects/{id}/issues"))
        {
            JsonBody = IntegrationCallRunner.Json(body),
            Headers = [new("Accept", "application/json"), new("PRIVATE-TOKEN", token)],
            Secrets = [token],
            Safety = RetrySafety.NotIdempotent,
            Target = project,
        };
        var result = new IntegrationResult
        {
            Incident = draft.Incident, Integration = "gitlab", Operation = operation, Endpoint = Redaction.Origin(apiBase), Target = project,
        };
        return IntegrationCallRunner.Run(http, request, result, (r, json) => IntegrationCallRunner.Require(request, r, json, "web_url"), cancellationToken);
    }

    /// <summary>The ticket text: what a maintainer needs first, and where the record is. No secrets, no evidence contents.</summary>
    public static string Describe(Incidents.Incident incident, string? extra = null)
    {
        var lines = new List<string>
        {
            $"Incident `{incident.Id}` opened {Journal.Timestamps.ToJournal(incident.Opened)} by @{incident.Reporter} (First Reporter) with DeIRF.",
            string.Empty,
            // The title and tags can be an alert's words: literal Markdown, no mentions.
            $"**{OutsideText.Markdown(incident.Title)}**",
            string.Empty,
        };
        if (incident.IsDrill)
        {
            lines.Insert(0, "**DRILL**: this ticket belongs to an exercise.\n");
        }
        if (incident.Tags.Count > 0)
        {
            lines.Add($"Tags: {string.Join(", ", incident.Tags.Select(OutsideText.Markdown))}");
        }
        if (incident.AlertSource is { Length: > 0 } source)
        {
            lines.Add($"Alert: {OutsideText.Markdown(source)}" + (incident.AlertSha256 is { Length: > 0 } h ? $" (sha256 {h})" : string.Empty));
        }
        if (!string.IsNullOrWhiteSpace(extra))
        {
            lines.Add(string.Empty);
            lines.Add(extra);
        }
        lines.Add(string.Empty);
        lines.Add("The incident journal is the record: verify it with `Test-DeirfJournal -Incident " + incident.Id + "`. Keep details that are not public out of this ticket until disclosure.");
        return string.Join("\n", lines);
    }
}

/// <summary>-Tracker GitHub: a draft repository security advisory.</summary>
public sealed class GitHubTracker : ITicketTracker
{
    public string Name => "GitHub";
    public string Integration => "github";
    public string Operation => "advisory.create";
    public string TicketNoun => "GitHub security advisory";
    public string RepositoryHint => "owner/name";
    public string DefaultApi => TicketTracker.GitHubDefaultApi;
    public string TokenVariable => IntegrationSecrets.GitHubTokenVariable;

    public string ValidateRepository(string repository) => TicketTracker.ValidateRepository(Integration, repository);

    public IntegrationResult Create(OutboundHttp http, Uri apiBase, string repository, string token, TicketDraft draft, CancellationToken cancellationToken)
        => TicketTracker.CreateGitHubAdvisory(http, apiBase, repository, token, draft, cancellationToken);
}

/// <summary>-Tracker GitLab: a confidential issue of type incident.</summary>
public sealed class GitLabTracker : ITicketTracker
{
    public string Name => "GitLab";
    public string Integration => "gitlab";
    public string Operation => "issue.create";
    public string TicketNoun => "confidential GitLab issue";
    public string RepositoryHint => "project id or group/project";
    public string DefaultApi => TicketTracker.GitLabDefaultApi;
    public string TokenVariable => IntegrationSecrets.GitLabTokenVariable;

    public string ValidateRepository(string repository) => TicketTracker.ValidateRepository(Integration, repository);

    public IntegrationResult Create(OutboundHttp http, Uri apiBase, string repository, string token, TicketDraft draft, CancellationToken cancellationToken)
        => TicketTracker.CreateGitLabIssue(http, apiBase, repository, token, draft, cancellationToken);
}
