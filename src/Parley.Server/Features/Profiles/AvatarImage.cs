using Parley.Server.Platform;
using SkiaSharp;

namespace Parley.Server.Features.Profiles;

/// <summary>
/// Turns an uploaded picture into the avatar that is stored: PNG, JPEG or WebP in; a WebP square of <see cref="Size"/>
/// pixels out. The header is read first and the pixels only when its dimensions are within <see cref="MaxSide"/>, so a
/// small file that claims 50,000 × 50,000 pixels (a decompression bomb) is refused before any memory is taken for it.
/// </summary>
public static class AvatarImage
{
    public const int Size = 256, MaxSide = 4096, MaxBytes = 5 * 1024 * 1024;

    /// <summary>The part of the picture to keep, in its own pixels: a square at (<paramref name="X"/>, <paramref name="Y"/>).</summary>
    public sealed record Crop(int X, int Y, int Side);

    public static byte[] Square(byte[] upload, Crop? crop)
    {
        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data)
            ?? throw new DomainException("avatar-not-an-image", "This file is not a picture. Upload a PNG, JPEG or WebP image.", 415);
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Webp))
            throw new DomainException("avatar-format-unsupported", "Upload a PNG, JPEG or WebP image.", 415);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide)
            throw new DomainException("avatar-dimensions-too-large", $"Pictures are at most {MaxSide} × {MaxSide} pixels.", 422);

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new DomainException("avatar-unreadable", "This picture could not be read. Try another file.", 422);
        // A phone's photo is stored as the sensor saw it, with an EXIF orientation that says how to show it. Browsers show it
        // upright, and the crop is chosen on that view: turn the pixels upright before cutting.
        using var upright = Upright(bitmap, codec.EncodedOrigin);
        var area = crop is null ? Centered(upright.Width, upright.Height) : Checked(crop, upright.Width, upright.Height);
        using var image = SKImage.FromBitmap(upright);
        using var surface = SKSurface.Create(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.Transparent);
        using var paint = new SKPaint();
        surface.Canvas.DrawImage(image, area, SKRect.Create(Size, Size), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Webp, 85);
        return encoded.ToArray();
    }

    /// <summary>The picture as its EXIF orientation says to show it (a copy, even when it is upright already).</summary>
    internal static SKBitmap Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        var turned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (w, h) = turned ? (stored.Height, stored.Width) : (stored.Width, stored.Height);
        // x' = scaleX·x + skewX·y + transX, y' = skewY·x + scaleY·y + transY: where each stored pixel goes (EXIF 2 to 8).
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        var upright = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(upright);
        canvas.SetMatrix(matrix);
        canvas.DrawBitmap(stored, 0, 0);
        return upright;
    }

    private static SKRect Centered(int width, int height)
    {
        var side = Math.Min(width, height);
        return SKRect.Create((width - side) / 2f, (height - side) / 2f, side, side);
    }

    private static SKRect Checked(Crop crop, int width, int height) =>
        crop.Side >= 1 && crop.X >= 0 && crop.Y >= 0 && (long)crop.X + crop.Side <= width && (long)crop.Y + crop.Side <= height
            ? SKRect.Create(crop.X, crop.Y, crop.Side, crop.Side)
            : throw new DomainException("avatar-crop-invalid", $"The crop must be a square inside the picture ({width} × {height} pixels).", 400);
}
