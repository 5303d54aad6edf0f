using DeIRF.Extensions;

// What this assembly adds to DeIRF: one identity kind, one containment provider, one alert shape, one chat channel. The engine reads
// these from metadata when the assembly is imported (Import-DeirfExtension) and loads it on first use.
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Minisign", typeof(DeIRF.SampleExtension.MinisignKind))]
[assembly: DeirfExtension(ExtensionPoints.Containment, "sample.file.freeze", typeof(DeIRF.SampleExtension.FileFreezeProvider))]
[assembly: DeirfExtension(ExtensionPoints.AlertShape, "uptime-kuma", typeof(DeIRF.SampleExtension.UptimeKumaShape))]
[assembly: DeirfExtension(ExtensionPoints.ChatChannel, "Outbox", typeof(DeIRF.SampleExtension.OutboxChannel))]
