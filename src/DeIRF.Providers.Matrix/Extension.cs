using DeIRF.Extensions;

// What this assembly adds to DeIRF; the engine's catalog reads these from metadata and loads the assembly on first use.
[assembly: DeirfExtension(ExtensionPoints.ProofKind, "Matrix", typeof(DeIRF.Providers.Matrix.MatrixKind))]
