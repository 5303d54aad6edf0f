namespace DeIRF.Identity.Verifiers;

/// <summary>
/// Every public non-abstract class in this namespace implementing <see cref="IProofVerifier"/> or
/// <see cref="IProofSigner"/> (with a parameterless constructor) is registered by <see cref="Signatures"/>.
/// One file per kind: OpenPgpVerifier.cs, SshSignatureVerifier.cs, EthereumVerifier.cs, DidKeyVerifier.cs,
/// Fido2Verifier.cs, OidcVerifier.cs.
/// </summary>
internal static class VerifierNamespaceMarker
{
}
