using DeIRF.Extensions;

// What this assembly adds to DeIRF; the engine's catalog reads these from metadata and loads the assembly on first use.
[assembly: DeirfExtension(ExtensionPoints.RollForwardBackend, DeIRF.Providers.Pipelines.GitHubActionsBackend.BackendName, typeof(DeIRF.Providers.Pipelines.GitHubActionsBackend))]
[assembly: DeirfExtension(ExtensionPoints.RollForwardBackend, DeIRF.Providers.Pipelines.ArgoCdBackend.BackendName, typeof(DeIRF.Providers.Pipelines.ArgoCdBackend))]
[assembly: DeirfExtension(ExtensionPoints.RollForwardBackend, DeIRF.Providers.Pipelines.OzRelayerBackend.BackendName, typeof(DeIRF.Providers.Pipelines.OzRelayerBackend))]
