package org.diffuda.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TransformsTest {
    /** Blocks of classes; the image's red channel encodes the class so alignment can be checked. */
    static Sample blocks(int h, int w) {
        int n = h * w;
        int[] lab = new int[n];
        float[] img = new float[3 * n];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = ((y / 16) * 7 + (x / 16) * 3) % 19;
                lab[y * w + x] = c;
                img[y * w + x] = c / 18f;
                img[n + y * w + x] = x / (float) w;
                img[2 * n + y * w + x] = y / (float) h;
            }
        }
        return new Sample("blocks", h, w, img, lab);
    }

    /**
     * Share of pixels where the image still encodes the label, over pixels whose 
     * 3×3 neighbourhood holds one class (at class borders bilinear resampling legitimately blends).
     */
    static double agreement(Sample s) {
        int ok = 0, counted = 0, h = s.height(), w = s.width();
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int i = y * w + x, c = s.label()[i];
                boolean interior = true;
                for (int dy = -1; dy <= 1 && interior; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if (s.label()[(y + dy) * w + x + dx] != c) {
                            interior = false;
                            break;
                        }
                    }
                }
                if (!interior) {
                    continue;
                }
                counted++;
                float expect = c == 255 ? 0 : c / 18f;
                if (Math.abs(s.image()[i] - expect) < 0.5f / 18) {
                    ok++;
                }
            }
        }
        assertTrue(counted > h * w / 10, "too few interior pixels to judge: " + counted);
        return (double) ok / counted;
    }

    @ParameterizedTest
    @ValueSource(strings = {"resize-down", "resize-up", "scale", "crop", "crop-pad", "flip", "class-crop", "pipeline"})
    void imageAndLabelStayAligned(String which) {
        Sample s = blocks(64, 96);
        Random r = new Random(7);
        Sample t = switch (which) {
            case "resize-down" -> Transforms.resize(32, 48).apply(s, r);
            case "resize-up" -> Transforms.resize(128, 192).apply(s, r);
            case "scale" -> Transforms.randomScale(0.5, 2.0).apply(s, r);
            case "crop" -> Transforms.randomCrop(40, 40, 0.75).apply(s, r);
            case "crop-pad" -> Transforms.randomCrop(80, 120, 1.0).apply(s, r);
            case "flip" -> Transforms.flip(s);
            case "class-crop" -> Transforms.cropWithClass(s, 16, 16, 5, 100, 10, r);
            default -> Transforms.compose(List.of(Transforms.randomScale(0.75, 1.5),
                    Transforms.randomCrop(48, 64, 0.75), Transforms.hflip(1.0))).apply(s, r);
        };
        double a = agreement(t);
        boolean exact = which.startsWith("crop") || which.equals("flip") || which.equals("class-crop");
        assertTrue(exact ? a == 1.0 : a > 0.99, which + ": agreement " + a);
    }

    @Test
    void flipMirrorsColumns() {
        Sample s = blocks(16, 24);
        Sample f = Transforms.flip(s);
        assertEquals(s.label()[0], f.label()[23]);
        assertEquals(s.image()[16 * 24 + 0], f.image()[16 * 24 + 23], 0, "green encodes x and moves with it");
    }

    @Test
    void cropPadsWithIgnore() {
        Sample c = Transforms.crop(blocks(8, 8), 4, 4, 8, 8);
        assertEquals(255, c.label()[7 * 8 + 7]);
        assertEquals(0f, c.image()[7 * 8 + 7]);
    }

    @Test
    void classCropPrefersTheClass() {
        Sample s = blocks(64, 96);
        int cls = s.label()[40 * 96 + 80];
        // 8×8 class blocks: a 16×16 crop can hold a whole block of the class; random crops mostly do not
        Sample c = Transforms.cropWithClass(s, 16, 16, cls, 40, 10, new Random(1));
        long n = java.util.Arrays.stream(c.label()).filter(v -> v == cls).count();
        assertTrue(n >= 40, "crop holds " + n + " pixels of class " + cls);
    }

    @Test
    void photometricKeepsLabelAndRange() {
        Sample s = blocks(16, 16);
        Sample p = Transforms.photometric().apply(s, new Random(3));
        assertEquals(s.label(), p.label());
        for (float v : p.image()) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void sameSeedSameResult() {
        Sample s = blocks(64, 96);
        var t = Transforms.compose(List.of(Transforms.randomScale(0.5, 2), Transforms.randomCrop(32, 32, 0.75),
                Transforms.hflip(0.5), Transforms.photometric()));
        Sample a = t.apply(s, new Random(42)), b = t.apply(s, new Random(42));
        assertTrue(java.util.Arrays.equals(a.image(), b.image()) && java.util.Arrays.equals(a.label(), b.label()));
    }
}
