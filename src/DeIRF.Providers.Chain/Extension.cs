using DeIRF.Extensions;

// What this assembly adds to DeIRF; the engine's catalog reads these from metadata and loads the assembly on first use.
[assembly: DeirfExtension(ExtensionPoints.Containment, "evm.", typeof(DeIRF.Providers.Chain.ChainProvider))]
[assembly: DeirfExtension(ExtensionPoints.ProposalPayload, "evm.safe.freeze", typeof(DeIRF.Providers.Chain.SafeTransactionPayload))]
[assembly: DeirfExtension(ExtensionPoints.DisclosureAnchor, "eip155", typeof(DeIRF.Providers.Chain.DisclosureAnchor))]
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "ContractAccount", typeof(DeIRF.Providers.Chain.ContractAccountKind))]
