namespace DeIRF.Identity;

/// <summary>The kinds of identity proof a responder can bind (SPEC "Identities").</summary>
public enum ProofKind
{
    OpenPgp,
    Ssh,
    Ethereum,
    DidKey,
    Fido2,
    Oidc,
}
