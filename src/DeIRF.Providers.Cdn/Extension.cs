using DeIRF.Extensions;

// What this assembly adds to DeIRF; the engine's catalog reads these from metadata and loads the assembly on first use.
[assembly: DeirfExtension(ExtensionPoints.Containment, "cdn.", typeof(DeIRF.Providers.Cdn.CloudflareRerouteProvider))]
