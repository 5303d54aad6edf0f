using DeIRF.Extensions;

// The engine's own extensions, declared like any other assembly's: the catalog reads these from metadata.
[assembly: DeirfExtension(ExtensionPoints.AlertShape, "alertmanager", typeof(DeIRF.Alerts.AlertReader.AlertmanagerShape))]
[assembly: DeirfExtension(ExtensionPoints.AlertShape, "falco", typeof(DeIRF.Alerts.AlertReader.FalcoShape))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "OpenPgp", typeof(DeIRF.Identity.Verifiers.OpenPgpVerifier))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Ssh", typeof(DeIRF.Identity.Verifiers.SshSignatureVerifier))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Ethereum", typeof(DeIRF.Identity.Verifiers.EthereumVerifier))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "DidKey", typeof(DeIRF.Identity.Verifiers.DidKeyVerifier))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Fido2", typeof(DeIRF.Identity.Verifiers.Fido2Verifier))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Oidc", typeof(DeIRF.Identity.Verifiers.OidcVerifier))]
