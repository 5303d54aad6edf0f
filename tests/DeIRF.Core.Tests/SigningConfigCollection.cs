using Xunit;

namespace DeIRF.Core.Tests;

/// <summary>
/// The classes that point the process-wide DEIRF_SIGNING_CONFIG at a config of their own (RosterTests, CheckpointTests).
/// Every journal append in this process reads that variable to find the actor's signing key, so while one of them runs
/// no other test may run: xUnit runs this collection alone, after the parallel ones. (The likely cause of a rare
/// failure of QuorumAttackTests.SignatureBeforeNotBefore_IsRefused in full runs: an append in parallel picking up another
/// test's signing config.)
/// </summary>
[CollectionDefinition("DEIRF_SIGNING_CONFIG", DisableParallelization = true)]
public sealed class SigningConfigCollection
{
}
