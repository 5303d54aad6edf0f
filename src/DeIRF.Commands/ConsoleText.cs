namespace DeIRF.Commands;

/// <summary>
/// The console-safe form the format views (module/DeIRF.Format.ps1xml) print free text through: one printable line,
/// so no title, summary or service message can set the window title, move the cursor or fake a line of output.
/// The rules are the engine's one sanitizer (DeIRF.Canonical.OutsideText); this only makes them callable from a view.
/// </summary>
public static class ConsoleText
{
    public static string Line(object? value) => Canonical.OutsideText.Line(value?.ToString(), int.MaxValue);
}
