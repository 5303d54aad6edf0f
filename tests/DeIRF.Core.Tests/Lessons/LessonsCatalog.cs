namespace DeIRF.Core.Tests.Lessons;

/// <summary>One case of a lesson: the tests that refuse it and why (ErrorId, verdict reason or fault).</summary>
/// <param name="Tests">xUnit tests of this assembly as "Class.Method"; Pester tests as "pester:File.Tests.ps1:It text".</param>
/// <param name="Owner">Set when another piece of work owns the case (no test mapped here).</param>
public sealed record LessonCase(string Lesson, string Case, string[] Tests, string Reason, string? Owner = null);

/// <summary>
/// SPEC.md "Lessons from the anchors", every bullet split into its cases, each mapped to the named tests that show the
/// refusal. <see cref="LessonsCatalogTests"/> fails when a mapped test disappears or is renamed, and docs/reliability.md
/// "## Attack suite" is this table (checked by the same tests), so neither can rot.
/// </summary>
public static class LessonsCatalog
{
    private static LessonCase C(string lesson, string @case, string reason, params string[] tests) => new(lesson, @case, tests, reason);

    public static readonly IReadOnlyList<LessonCase> Cases =
    [
        // Merkle proofs
        C("Merkle proofs", "empty proof from size 0 accepted for any size", "inclusion proof refused: size 0 has no leaves", "MerkleTests.Lesson_EmptyProofFromSizeZero_IsNotAcceptedForAnySize"),
        C("Merkle proofs", "index not bound to proof length (one leaf at several positions)", "proof length must equal the path length of the index", "MerkleTests.Lesson_IndexIsBoundToProofLength_OneLeafCannotBeProvedAtSeveralPositions"),
        C("Merkle proofs", "1→2 consistency", "the one-hash proof verifies exactly; every mutation refused", "MerkleTests.Lesson_OneToTwoConsistency_VerifiesExactly"),
        C("Merkle proofs", "mutated proof: index ±1", "recomputed root differs", "MerkleTests.Lesson_IndexPlusMinusOne_IsRefused", "MerkleTests.Property_InclusionProofsVerify_AndEveryMutationFails"),
        C("Merkle proofs", "mutated proof: size ×2 / ÷2", "recomputed root differs / path length differs", "MerkleTests.Lesson_SizeTimesTwoAndHalved_IsRefused"),
        C("Merkle proofs", "mutated proof: bit flips", "recomputed root differs", "MerkleTests.Lesson_BitFlips_AreRefused"),
        C("Merkle proofs", "mutated proof: trailing garbage", "proof longer than the path", "MerkleTests.Lesson_TrailingGarbage_IsRefused"),
        C("Merkle proofs", "mutated proof: swapped roots", "consistency proof does not link the roots", "MerkleTests.Lesson_SwappedRoots_AreRefused", "MerkleTests.Property_ConsistencyProofsVerify_AndEveryMutationFails"),
        C("Merkle proofs", "same size, different roots", "CheckpointFork", "MerkleTests.Lesson_SameSizeDifferentRoots_IsAFork", "CheckpointTests.ForkScenario_TwoReplicasDivergeAfterEntry40_TheWitnessDetectsIt"),
        // immudb CVE-2022-36111 / -39199
        C("Chain beside a tree (immudb CVE-2022-36111)", "chain and tree checked leaf by leaf", "CheckpointMismatch at the first differing leaf", "CheckpointTests.TestJournalWithCheckpoint_ChecksChainAndTreeLeafByLeaf"),
        C("Trusted state keyed by the other side (immudb CVE-2022-39199)", "witness keys a replica's head by the journal's own origin", "a checkpoint naming another origin cannot reset the trusted head", "CheckpointTests.Witness_KeysStateByTheJournalsOwnOrigin_NotByWhatTheCheckpointSays"),
        // JCS
        C("JCS", "integers beyond ±(2^53−1) collide", "IntegerOutOfRange (refused, not rounded)", "CanonicalJsonTests.TwoTo53_Collision_IsRefused_NotRounded"),
        C("JCS", "duplicate keys", "DuplicateKey (even when they differ only by escapes)", "CanonicalJsonTests.DuplicateKeys_AreRefused_EvenWhenTheyDifferOnlyByEscapes"),
        C("JCS", "NaN / Infinity", "NonFinite", "CanonicalJsonTests.NaN_And_Infinity_AreRefused"),
        C("JCS", "keys sorted by UTF-16 code units", "canonical order; another order is NonCanonical", "CanonicalJsonTests.Keys_AreSortedByUtf16CodeUnits_NotCodePoints", "CanonicalJsonTests.Rfc8785_Section323_SortsPropertiesByUtf16CodeUnits"),
        C("JCS", "values round-tripped through PowerShell objects ([datetime])", "HashMismatch: the stored bytes are hashed, never rebuilt objects", "LessonTests.Lesson_ValuesRoundTrippedThroughObjects_AreNotTheEntry_TheStoredBytesAreHashed", "JournalLineCanonicalTests.NonCanonicalSpelling_IsRefusedAsNonCanonical_EvenWithARecomputedHash"),
        // Approvals
        C("Approvals", "approval outliving an edited parameter", "ProposalMismatch / signatures over another proposal", "QuorumAttackTests.OneChangedParameterAfterSigning_OldSignaturesAreOverAnotherProposal", "QuorumAttackTests.RunningWithAChangedParameter_IsRefusedAsProposalMismatch", "QuorumAttackTests.ProposalEditedInTheJournal_TamperedDigest_IsRefused"),
        C("Approvals", "counting keys or rows instead of persons", "DuplicatePerson", "QuorumAttackTests.TwoKeysOfOnePerson_CountOnce", "QuorumAttackTests.TwoProofKindsOfOnePerson_CountOnce", "QuorumAttackTests.SamePersonThroughSshAndOpenPgp_CountsOnce"),
        C("Approvals", "duplicate reviews", "DuplicatePerson; the gate writes nothing (QuorumSignatureRefused)", "QuorumAttackTests.DuplicateSignatureRows_CountOnce", "QuorumAttackTests.GateRefusesASecondSignatureOfTheSamePerson_AndWritesNothing", "pester:Quorum.Tests.ps1:refuses a second signature of the same person (other proof kind) with DuplicatePerson, writing nothing"),
        C("Approvals", "self-approval where policy forbids it", "SelfApproval", "QuorumAttackTests.SelfApprovalWherePolicyForbidsIt_IsRefused", "QuorumAttackTests.ApprovalByTheProposer_WhereSelfApprovalIsForbidden_IsRefused"),
        C("Approvals", "replay across proposals", "OtherProposal", "QuorumAttackTests.ReplayIntoAnotherProposal_IsRefused"),
        C("Approvals", "replay across incidents", "OtherIncident", "QuorumAttackTests.ReplayIntoAnotherIncident_IsRefused"),
        C("Approvals", "replay across workspaces", "OtherWorkspace", "QuorumAttackTests.ReplayIntoAnotherWorkspace_IsRefused"),
        C("Approvals", "OIDC token replay (single-use nonces)", "NonceReused", "QuorumAttackTests.OidcTokenReplay_SingleUseNonce_IsRefused", "OidcVerifierTests.ReplayedNonce_Refused"),
        C("Approvals", "an approval used twice (consumption recorded)", "ProposalConsumed", "QuorumAttackTests.ReplayAfterExecution_IsRefused_AndASecondRunToo", "QuorumAttackTests.ConcurrentRuns_ExactlyOneConsumes"),
        C("Approvals", "signer shown one thing, signing another (Bybit)", "PayloadMismatch (digest shown in the payload file)", "QuorumAttackTests.SignerShownAnotherPayload_SameDigestOtherTarget_IsRefused", "pester:Quorum.Tests.ps1:refuses a signer who was shown another target for the same digest"),
        C("Approvals", "thresholds as nested groups", "QuorumNotMet naming the unmet branch; one person fills one slot", "QuorumAttackTests.NestedGroup_OneBranchUnmet_IsNotMet_AndSaysWhoIsMissing", "QuorumAttackTests.NestedGroup_OnePersonFillsOneSlotOnly_EvenHoldingBothRoles"),
        // OpenPGP
        C("OpenPGP", "key flags allow signing", "key flags: not a signing key", "OpenPgpInteropTests.SignatureByEncryptionOnlySubkey_IsRefused", "OpenPgpInteropTests.SignatureByCertifyOnlyPrimaryKey_IsRefused", "OpenPgpInteropTests.KeyWithoutAnySigningKey_IsRefused"),
        C("OpenPGP", "subkey binding", "forged subkey binding signature", "OpenPgpInteropTests.SubkeyWithForgedBinding_IsRefused"),
        C("OpenPGP", "back-signature", "signing subkey without a valid primary-key back-signature", "OpenPgpInteropTests.SigningSubkeyWithoutBackSignature_IsRefused", "OpenPgpInteropTests.SigningSubkeyWithBackSignatureByAnotherKey_IsRefused"),
        C("OpenPGP", "expiry", "key or signature expired at signing time", "OpenPgpInteropTests.ExpiredKey_IsRefused", "OpenPgpInteropTests.SignatureDatedAfterKeyExpiry_IsRefused", "OpenPgpInteropTests.ExpiredSignature_IsRefused"),
        C("OpenPGP", "revocation", "key or subkey revoked", "OpenPgpInteropTests.RevokedKey_IsRefused", "OpenPgpInteropTests.RevokedSigningSubkey_IsRefused"),
        C("OpenPGP", "signature type", "only binary-document signatures (text mode, cleartext refused)", "OpenPgpInteropTests.TextModeSignature_IsRefused", "OpenPgpInteropTests.ClearSignedMessage_IsRefused"),
        C("OpenPGP", "SHA-1 rejected", "SHA-1 signature / SHA-1-only self-signature", "OpenPgpInteropTests.Sha1Signature_IsRefused", "OpenPgpInteropTests.KeyWhoseOnlySelfSignatureIsSha1_IsRefused", "QuorumAttackTests.OpenPgpSha1Signature_IsRefused"),
        // SSHSIG
        C("SSHSIG", "namespace must match exactly", "wrong namespace", "SshInteropTests.WrongNamespace_Refused", "QuorumAttackTests.SshSignatureWithTheWrongNamespace_IsRefused", "pester:Quorum.Tests.ps1:refuses an ssh-keygen signature made in another namespace"),
        C("SSHSIG", "never trust the key embedded in the blob", "embedded key is not the roster key", "SshInteropTests.SignedByAnotherKey_EmbeddedKeyNotTrusted_Refused", "SshInteropTests.EmbeddedKeySwappedForTheRosterKey_Refused"),
        C("SSHSIG", "allowed-signers validity windows", "outside valid-after/valid-before", "SshInteropTests.AllowedSignersValidityWindow_Honoured", "SshInteropTests.ExpiredCertificate_Refused", "SshInteropTests.NotYetValidCertificate_Refused"),
        // EIP-191
        C("EIP-191", "length prefix is the UTF-8 byte length", "a signer that counted characters recovers another address", "EthereumVerifierTests.KnownVector_NonAsciiPayload_UsesTheUtf8ByteLength", "EthereumVerifierTests.Negative_SignerThatCountedCharactersNotBytes_IsRefused"),
        C("EIP-191", "normalise v (27/28 vs 0/1)", "0/1 accepted like 27/28; v=29 refused", "EthereumVerifierTests.VZeroOrOne_IsAcceptedLike27Or28", "EthereumVerifierTests.Negative_V29_IsRefused"),
        C("EIP-191", "deduplicate by recovered address, not signature bytes", "high-s twin refused; same signer counted once (DuplicatePerson)", "EthereumVerifierTests.Negative_HighSMalleatedTwin_IsRefused", "QuorumAttackTests.EthereumMalleatedTwin_IsNotCountedTwice", "QuorumAttackTests.EthereumSameSignatureInTwoRows_IsDeduplicatedByPerson"),
        // did:key
        C("did:key", "exactly 34 bytes after multibase", "33- and 35-byte decodings refused", "DidKeyVerifierTests.Negative_33ByteDecoding_IsRefused", "DidKeyVerifierTests.Negative_35ByteDecoding_IsRefused"),
        C("did:key", "small-order keys", "all eight small-order points, non-canonical encodings and mixed-order keys refused", "DidKeyVerifierTests.Negative_AllEightSmallOrderPoints_AreRefused", "DidKeyVerifierTests.Negative_NonCanonicalSmallOrderEncodings_AreRefused", "DidKeyVerifierTests.Negative_MixedOrderKey_IsRefused"),
        C("did:key", "S ≥ L", "non-canonical S refused (strict RFC 8032)", "DidKeyVerifierTests.Negative_NonCanonicalS_SPlusL_IsRefused"),
        // WebAuthn
        C("WebAuthn", "type", "webauthn.create is not an assertion", "Fido2VerifierTests.TypeWebauthnCreate_Refused"),
        C("WebAuthn", "challenge", "challenge is not base64url(SHA-256(payload))", "Fido2VerifierTests.ChallengeForAnotherPayload_Refused", "Fido2VerifierTests.ChallengeWithPadding_Refused"),
        C("WebAuthn", "origin", "origin differs (and no cross-origin frame)", "Fido2VerifierTests.WrongOrigin_Refused", "Fido2VerifierTests.CrossOriginFrame_Refused"),
        C("WebAuthn", "rpIdHash", "rpIdHash differs", "Fido2VerifierTests.WrongRpId_Refused"),
        C("WebAuthn", "user-present flag", "UP flag missing", "Fido2VerifierTests.UserPresentFlagMissing_Refused"),
        C("WebAuthn", "signCount increase", "counter not above the stored one: possible clone", "Fido2VerifierTests.SignCountEqual_Refused_AsPossibleClone", "Fido2VerifierTests.SignCountLower_Refused_AsPossibleClone", "RosterTests.AFido2SignCount_IsKeptByTheRoster_SoAClonedAuthenticatorIsCaught"),
        // OIDC
        C("OIDC", "issuer", "iss differs", "OidcVerifierTests.WrongIssuer_Refused"),
        C("OIDC", "audience", "aud differs / extra audience / azp of another client", "OidcVerifierTests.WrongAudience_Refused", "OidcVerifierTests.ExtraAudience_Refused", "OidcVerifierTests.AuthorizedPartyOtherClient_Refused"),
        C("OIDC", "expiry", "exp passed (context clock), missing, or nbf/iat in the future", "OidcVerifierTests.Expired_Refused", "OidcVerifierTests.NoExpiry_Refused", "OidcVerifierTests.Expired_AccordingToTheContextClock_NotTheMachineClock"),
        C("OIDC", "algorithm allow-list", "alg none / HS256 key confusion refused", "OidcVerifierTests.AlgNone_Refused", "OidcVerifierTests.Hs256SignedWithTheRsaPublicKey_KeyConfusion_Refused"),
        C("OIDC", "JWKS snapshot for offline re-verification", "re-verifies from the journaled key after the issuer rotated", "OidcVerifierTests.KeySnapshot_ReverifiesOffline_AfterTheIssuerRotatedKeys"),
        // Crash safety
        C("Crash safety", "SIGKILL of the writer", "TornTail only; Repair mends it; no acknowledged entry lost", "CrashAndConcurrencyTests.SigkillAtRandomMoments_LosesNoAcknowledgedEntry_AndRepairMendsTornTails", "FaultInjectionTests.Append_IoErrorOrKillAtEachOpenWriteFsyncAndRename_LosesNoAckedEntry"),
        C("Crash safety", "I/O errors at the write and fsync", "JournalWriteFailed / EvidenceStoreWriteFailed / CheckpointWriteFailed; nothing acknowledged lost", "FaultInjectionTests.Append_IoErrorOrKillAtEachOpenWriteFsyncAndRename_LosesNoAckedEntry", "FaultInjectionTests.Repair_IoErrorOrKillAtEachWriteFsyncAndTruncate_LeavesAMendableJournal", "FaultInjectionTests.EvidencePut_IoErrorOrKillAtEachWriteFsyncAndLink_NeverPublishesAHalfWrittenObject", "FaultInjectionTests.Checkpoint_IoErrorOrKillAtEachTreeAndNoteWrite_KeepsAckedCheckpointsAndATreeThatMatchesTheJournal"),
        C("Crash safety", "concurrent writers", "journal lock: no lost or duplicate entry, the chain verifies", "CrashAndConcurrencyTests.FourProcessesAppendingConcurrently_GiveExactlyAThousandContiguousEntries", "LoadTests.SixteenWriterProcesses_OnOneIncident_LoseAndDuplicateNothing_AndTheChainVerifies"),
        C("Crash safety", "one-byte truncation drops exactly the last entry", "TornTail of the last entry only", "TamperSweepTests.OneByteTruncation_DropsExactlyTheLastEntry"),
        // Incident tools' trackers
        C("Evidence (DFIR-IRIS #287)", "zero-byte evidence", "EvidenceEmpty unless -AllowEmpty", "EvidenceStoreTests.Put_EmptyContent_IsRefusedUnlessAllowed", "pester:Evidence.Tests.ps1:an empty file: EvidenceEmpty with the path as target, nothing stored or journaled"),
        C("Evidence (DFIR-IRIS #287)", "unreadable evidence", "EvidenceUnreadable (FIFO, loop, failing read)", "EvidenceStoreTests.Capture_Fifo_IsRefusedInsteadOfHanging", "EvidenceStoreTests.Put_FailureMidCopy_LeavesNoObjectAndNoTemporaryFile", "pester:Evidence.Tests.ps1:a symbolic link loop: EvidenceUnreadable naming it"),
        C("Evidence (DFIR-IRIS #122)", "MD5 computed client-side", "InvalidStatement: only sha256:<64 hex>, hashed at capture", "LessonTests.Lesson_Md5EvidenceHash_IsRefused_OnlySha256ComputedAtCapture", "EvidenceStoreTests.HashesThatAreNotSha256Hex_AreRefused"),
        C("Evidence (DFIR-IRIS #122)", "custody column nothing wrote", "custody is one journal entry per captured file", "EvidenceStoreTests.Capture_FolderInOrder_OneCustodyEntryPerFile_EmptyAndMissingRefused"),
        C("Response actions (Falco Talon)", "action triggered by unauthenticated input", "QuorumNotMet: nothing applied without a verified quorum", "pester:Containment.Tests.ps1:without the quorum: QuorumNotMet, nothing applied, the proposal not consumed", "QuorumAttackTests.PolicyChangeWithoutQuorum_IsRefused"),
        C("Response actions (Falco Talon)", "quarantine isolating every replica, egress only", "the plan targets the pod, ingress and egress, replicas only as an option", "pester:ProviderRunbooks.Tests.ps1:-WhatIf shows the plan (label, deny-all ingress+egress policy, replicas warning) and changes nothing", "pester:ProviderRunbooks.Tests.ps1:Invoke-DeirfContainment applies: the pod carries the label and a deny-all ingress+egress NetworkPolicy selects it"),
        C("Integrations (Dispatch)", "integration failing silently", "every outbound result journaled; a failure is an error record (IntegrationUnauthorized, IntegrationRejected...)", "OutboundIntegrationTests.Unauthorized401GivesAClearFailureWithoutTheTokenAnywhere", "OutboundIntegrationTests.SlackPostsJsonWithBearerAndOkFalseIsAFailure", "OutboundIntegrationTests.IntegrationCallSchemaRefusesAFailureWithoutAReasonAndUnknownIntegrations", "pester:Integrations.Tests.ps1:with a wrong token: the incident is opened, the failure journaled and reported, the token nowhere"),
        C("Retrospective form", "target and actual time to detect, contain and recover kept, filled from the journal", "the retro form is rendered from the journal's entries (golden file)", "RetroRewardDrillTests.RetroFromHandBuiltJournalMatchesGolden", "TemplateRenderingTests.ShippedTemplateMatchesGoldenFile"),
        C("Metrics", "\"mean\" labels on single-incident durations", "each metric states its sample size: \"one incident (not a mean)\", \"no sample\", n and why others were not counted", "MetricsTests.AggregatesPerSeverityWithSampleSizes"),
    ];
}
