using Parley.Server.Features.Profiles;
using SkiaSharp;

namespace Parley.Tests;

/// <summary>A phone photo's EXIF orientation is applied before the avatar is cut, as browsers show it.</summary>
public class AvatarOrientationTests
{
    /// <summary>
    /// 80 × 40 pixels stored sideways, left half red and right half blue, with orientation 6 ("rotate 90° clockwise to show"):
    /// shown upright it is 40 × 80, red on top and blue below.
    /// </summary>
    [Fact]
    public void A_photo_stored_sideways_becomes_an_upright_avatar()
    {
        var avatar = SKBitmap.Decode(AvatarImage.Square(SidewaysJpeg(orientation: 6), crop: null));

        Assert.Equal(AvatarImage.Size, avatar.Width);
        AssertNear(SKColors.Red, avatar.GetPixel(128, 30));
        AssertNear(SKColors.Blue, avatar.GetPixel(128, 226));
    }

    [Fact]
    public void A_crop_is_read_in_the_upright_picture()
    {
        // Upright, the picture is 40 wide and 80 high: the bottom square (0, 40, 40) is all blue.
        var avatar = SKBitmap.Decode(AvatarImage.Square(SidewaysJpeg(orientation: 6), new AvatarImage.Crop(0, 40, 40)));

        AssertNear(SKColors.Blue, avatar.GetPixel(30, 30));
        AssertNear(SKColors.Blue, avatar.GetPixel(226, 226));
    }

    [Fact]
    public void Without_an_orientation_the_picture_is_kept_as_stored()
    {
        var avatar = SKBitmap.Decode(AvatarImage.Square(SidewaysJpeg(orientation: null), crop: null));

        AssertNear(SKColors.Red, avatar.GetPixel(30, 128));
        AssertNear(SKColors.Blue, avatar.GetPixel(226, 128));
    }

    private static void AssertNear(SKColor expected, SKColor actual) =>
        Assert.True(Math.Abs(expected.Red - actual.Red) < 40 && Math.Abs(expected.Green - actual.Green) < 40 && Math.Abs(expected.Blue - actual.Blue) < 40,
            $"expected about {expected}, got {actual}");

    private static byte[] SidewaysJpeg(int? orientation)
    {
        using var bitmap = new SKBitmap(80, 40);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, 40, 40, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(40, 0, 40, 40, new SKPaint { Color = SKColors.Blue });
        }
        var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95).ToArray();
        if (orientation is not { } value)
            return jpeg;
        // An APP1 segment right after the start of image: "Exif", a big-endian TIFF header, and one IFD entry,
        // 0x0112 Orientation, a SHORT.
        byte[] exif =
        [
            .. "Exif\0\0"u8,
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,
            0, 1,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)value, 0, 0,
            0, 0, 0, 0,
        ];
        var length = exif.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
