using DeIRF.Extensions;

// What this assembly adds to DeIRF; the engine's catalog reads these from metadata and loads the assembly on first use.
[assembly: DeirfExtension(ExtensionPoints.Containment, "host.", typeof(DeIRF.Providers.Host.HostQuarantineProvider))]
