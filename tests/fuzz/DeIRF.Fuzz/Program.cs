using DeIRF.Fuzz;
using SharpFuzz;

// DeIRF.Fuzz <command>:
//   list                       the targets, one a line
//   run <target>               under afl-fuzz (instrumented DeIRF.Core.dll beside this file): one input per iteration
//   replay <target> <file>...  runs files in-process, prints the first unexpected exception of each; exit 1 if any
//   corpus <dir>               writes the seed corpus from keys made now (public parts and signatures only)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: DeIRF.Fuzz list | run <target> | replay <target> <file>... | corpus <dir>");
    return 2;
}
switch (args[0])
{
    case "list":
        foreach (var t in FuzzTargets.All)
        {
            Console.WriteLine($"{t.Name}\t{t.Description}");
        }
        return 0;
    case "run" when args.Length == 2:
        {
            var target = FuzzTargets.Get(args[1]);
            // Out of process: a stack overflow or a crash of the runtime is reported to AFL as a crash of that input,
            // not the end of the fuzzing session. Expected refusals are swallowed; anything else escapes = a crash.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                try
                {
                    target.Run(ms.ToArray());
                }
                catch (Exception ex) when (FuzzTargets.IsExpected(ex))
                {
                }
            });
            return 0;
        }
    case "replay" when args.Length >= 3:
        {
            var target = FuzzTargets.Get(args[1]);
            int findings = 0;
            foreach (var file in args.Skip(2))
            {
                var ex = FuzzTargets.Replay(target, File.ReadAllBytes(file));
                Console.WriteLine(ex is null ? $"ok       {file}" : $"FINDING  {file}\n{ex}");
                findings += ex is null ? 0 : 1;
            }
            return findings == 0 ? 0 : 1;
        }
    case "corpus" when args.Length == 2:
        return CorpusGenerator.Run(args[1]);
    default:
        Console.Error.WriteLine($"unknown command: {string.Join(' ', args)}");
        return 2;
}
