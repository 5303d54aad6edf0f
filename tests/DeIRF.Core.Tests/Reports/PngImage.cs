using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace DeIRF.Core.Tests.Reports;

/// <summary>
/// Just enough PNG to check a headless-Chromium screenshot of the report: 8-bit RGB/RGBA, non-interlaced, IDAT
/// inflated with ZLibStream, the five row filters. Shared by xUnit (IncidentReportTests) and Pester (Report.Tests.ps1
/// compiles this file with Add-Type), so it depends on nothing but the BCL.
/// </summary>
public sealed class PngImage
{
    private byte[] _rgb = [];

    public int Width { get; private init; }
    public int Height { get; private init; }

    public static PngImage Decode(byte[] file)
    {
        ReadOnlySpan<byte> signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException("not a PNG");
        }
        int pos = 8, width = 0, height = 0, colourType = 0;
        using var idat = new MemoryStream();
        while (pos + 8 <= file.Length)
        {
            int len = (file[pos] << 24) | (file[pos + 1] << 16) | (file[pos + 2] << 8) | file[pos + 3];
            var type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            var data = file.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                colourType = data[9];
                if (data[8] != 8 || (colourType != 2 && colourType != 6) || data[12] != 0)
                {
                    throw new InvalidDataException($"unsupported PNG: bit depth {data[8]}, colour type {colourType}, interlace {data[12]}");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }
            pos += 12 + len;
        }
        int bpp = colourType == 6 ? 4 : 3, stride = width * bpp;
        var raw = new byte[(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.ReadExactly(raw);
        }
        var img = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int v = raw[y * (stride + 1) + 1 + x];
                int a = x >= bpp ? img[y * stride + x - bpp] : 0;
                int b = y > 0 ? img[(y - 1) * stride + x] : 0;
                int c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp] : 0;
                img[y * stride + x] = (byte)(filter switch
                {
                    0 => v,
                    1 => v + a,
                    2 => v + b,
                    3 => v + ((a + b) >> 1),
                    4 => v + Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }
        }
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            rgb[i * 3] = img[i * bpp];
            rgb[i * 3 + 1] = img[i * bpp + 1];
            rgb[i * 3 + 2] = img[i * bpp + 2];
        }
        return new PngImage { Width = width, Height = height, _rgb = rgb };
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>True when the pixel at (x, y) is within <paramref name="tolerance"/> of #rrggbb in each channel.</summary>
    public bool Is(int x, int y, int rgb, int tolerance = 8)
    {
        int i = (y * Width + x) * 3;
        return Math.Abs(_rgb[i] - ((rgb >> 16) & 0xFF)) <= tolerance && Math.Abs(_rgb[i + 1] - ((rgb >> 8) & 0xFF)) <= tolerance
            && Math.Abs(_rgb[i + 2] - (rgb & 0xFF)) <= tolerance;
    }

    /// <summary>Distinct colours and the share of non-white pixels in a rectangle.</summary>
    public (int Colours, double Ink) Stats(int x0, int y0, int x1, int y1)
    {
        var colours = new HashSet<int>();
        long ink = 0, total = 0;
        for (int y = Math.Max(0, y0); y < Math.Min(y1, Height); y++)
        {
            for (int x = Math.Max(0, x0); x < Math.Min(x1, Width); x++)
            {
                int i = (y * Width + x) * 3;
                int rgb = (_rgb[i] << 16) | (_rgb[i + 1] << 8) | _rgb[i + 2];
                colours.Add(rgb);
                total++;
                if (rgb != 0xFFFFFF)
                {
                    ink++;
                }
            }
        }
        return (colours.Count, total == 0 ? 0 : (double)ink / total);
    }

    public bool Contains(int rgb, int tolerance = 2)
    {
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if (Is(x, y, rgb, tolerance))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The bounding box of the rows holding a horizontal run of at least <paramref name="minRun"/> pixels of the colour
    /// (the chart's background: its left and right ends and its top and bottom rows), or null when no row does.
    /// </summary>
    public (int X0, int Y0, int X1, int Y1)? RunBox(int rgb, int minRun, int tolerance = 2)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < Height; y++)
        {
            int run = 0;
            for (int x = 0; x <= Width; x++)
            {
                if (x < Width && Is(x, y, rgb, tolerance))
                {
                    run++;
                    continue;
                }
                if (run >= minRun)
                {
                    x0 = Math.Min(x0, x - run);
                    x1 = Math.Max(x1, x - 1);
                    y0 = Math.Min(y0, y);
                    y1 = Math.Max(y1, y);
                }
                run = 0;
            }
        }
        return x1 < 0 ? null : (x0, y0, x1, y1);
    }

    /// <summary>
    /// The columns from <paramref name="x0"/> to <paramref name="x1"/> holding a vertical run of at least
    /// <paramref name="minRun"/> pixels of the colour between rows <paramref name="y0"/> and <paramref name="y1"/>:
    /// where a tick or mark of that colour is drawn.
    /// </summary>
    public IReadOnlyList<int> MarkColumns(int rgb, int x0, int y0, int x1, int y1, int minRun, int tolerance = 8)
    {
        var columns = new List<int>();
        for (int x = Math.Max(0, x0); x <= Math.Min(x1, Width - 1); x++)
        {
            int run = 0, best = 0;
            for (int y = Math.Max(0, y0); y <= Math.Min(y1, Height - 1); y++)
            {
                run = Is(x, y, rgb, tolerance) ? run + 1 : 0;
                best = Math.Max(best, run);
            }
            if (best >= minRun)
            {
                columns.Add(x);
            }
        }
        return columns;
    }

    /// <summary>Adjacent columns merged into marks: the x of each mark's centre.</summary>
    public static IReadOnlyList<double> Marks(IReadOnlyList<int> columns)
    {
        var marks = new List<double>();
        for (int i = 0; i < columns.Count;)
        {
            int j = i;
            while (j + 1 < columns.Count && columns[j + 1] - columns[j] <= 1)
            {
                j++;
            }
            marks.Add((columns[i] + columns[j]) / 2.0);
            i = j + 1;
        }
        return marks;
    }
}
