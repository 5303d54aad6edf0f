using Xunit.Abstractions;

namespace DeIRF.Core.Tests.Reliability;

/// <summary>Measured lines of the reliability tests: to the test output, and appended to $DEIRF_RELIABILITY_OUT (build.ps1 reliability).</summary>
internal static class ReliabilityReport
{
    public static void Write(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("DEIRF_RELIABILITY_OUT") is { Length: > 0 } file)
        {
            lock (typeof(ReliabilityReport))
            {
                File.AppendAllText(file, line + "\n");
            }
        }
    }
}
