package org.diffuda.data;

import java.util.List;
import java.util.Random;

/**
 * Seeded transforms that keep image and label aligned (mmsegmentation's training pipeline):
 * images are resampled bilinearly, labels by nearest neighbour, crops and flips apply to both.
 */
public final class Transforms {
    private Transforms() {}

    public interface Transform {
        Sample apply(Sample s, Random rnd);
    }

    /** A transform that also takes the class a sample was drawn for (−1: none), e.g. a crop around one of its pixels. */
    public interface ClassAware extends Transform {
        Sample apply(Sample s, int cls, Random rnd);

        @Override
        default Sample apply(Sample s, Random rnd) {
            return apply(s, -1, rnd);
        }
    }

    /**
     * An h × w crop around a random pixel of class {@code cls} (the window centred on it, shifted to
     * stay inside the image; DAFormer/the U-Net swap thesis' RCS crop), then {@code then}. Without a
     * class, or when the sample holds none of it, a uniformly random crop.
     */
    public static ClassAware classCrop(int h, int w, Transform then) {
        return (s, cls, r) -> {
            int[] yx = cls >= 0 ? aroundPixelOf(s, cls, h, w, r) : null;
            if (yx == null) {
                yx = pickCrop(s, h, w, r);
            }
            return then.apply(crop(s, yx[0], yx[1], h, w), r);
        };
    }

    /** Top-left of an h × w window centred on a random pixel of {@code cls}, clamped to the image; null if none. */
    public static int[] aroundPixelOf(Sample s, int cls, int h, int w, Random r) {
        int[] lab = s.label();
        if (lab == null) {
            return null;
        }
        int n = 0;
        for (int v : lab) {
            if (v == cls) {
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        int k = r.nextInt(n), at = -1;
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] == cls && k-- == 0) {
                at = i;
                break;
            }
        }
        int y = at / s.width(), x = at % s.width();
        int y0 = Math.max(0, Math.min(y - h / 2, s.height() - h)), x0 = Math.max(0, Math.min(x - w / 2, s.width() - w));
        return new int[] {y0, x0};
    }

    public static Transform compose(List<Transform> ts) {
        return (s, r) -> {
            Sample x = s;
            for (Transform t : ts) {
                x = t.apply(x, r);
            }
            return x;
        };
    }

    /** Resizes to exactly h × w. */
    public static Transform resize(int h, int w) {
        return (s, r) -> resizeTo(s, h, w);
    }

    /** Scales to a ratio drawn uniformly from [min, max] of (baseH, baseW), whatever the image's size. */
    public static Transform randomScale(int baseH, int baseW, double min, double max) {
        return (s, r) -> {
            double k = min + (max - min) * r.nextDouble();
            return resizeTo(s, Math.max(1, (int) Math.round(baseH * k)), Math.max(1, (int) Math.round(baseW * k)));
        };
    }

    /**
     * Scales each image by a ratio drawn uniformly from [min, max] of its own size, keeping aspect
     * (mmsegmentation's RandomResize with the dataset's image size as the scale).
     */
    public static Transform randomScale(double min, double max) {
        return (s, r) -> {
            double k = min + (max - min) * r.nextDouble();
            return resizeTo(s, Math.max(1, (int) Math.round(s.height() * k)), Math.max(1, (int) Math.round(s.width() * k)));
        };
    }

    public static Sample resizeTo(Sample s, int h, int w) {
        if (s.height() == h && s.width() == w) {
            return s;
        }
        float[] img = bilinear(s.image(), s.height(), s.width(), h, w);
        int[] lab = s.label() == null ? null : nearest(s.label(), s.height(), s.width(), h, w);
        return new Sample(s.id(), h, w, img, lab);
    }

    /**
     * Random crop of h × w (padding with 0 / 255 where the image is smaller). With catMaxRatio &lt; 1,
     * up to 10 tries for a crop where no single class covers more than that share (mmseg).
     */
    public static Transform randomCrop(int h, int w, double catMaxRatio) {
        return (s, r) -> {
            int[] yx = pickCrop(s, h, w, r);
            if (catMaxRatio < 1 && s.label() != null) {
                for (int t = 0; t < 10; t++) {
                    if (maxClassShare(s, yx[0], yx[1], h, w) < catMaxRatio) {
                        break;
                    }
                    yx = pickCrop(s, h, w, r);
                }
            }
            return crop(s, yx[0], yx[1], h, w);
        };
    }

    /**
     * Crop that prefers a class (rare-class sampling): up to {@code tries} crops, keeping the first
     * holding at least {@code minPixels} pixels of {@code cls}, else the best one seen.
     */
    public static Sample cropWithClass(Sample s, int h, int w, int cls, int minPixels, int tries, Random r) {
        int[] best = pickCrop(s, h, w, r);
        int bestCount = countClass(s, best[0], best[1], h, w, cls);
        for (int t = 1; t < tries && bestCount < minPixels; t++) {
            int[] yx = pickCrop(s, h, w, r);
            int c = countClass(s, yx[0], yx[1], h, w, cls);
            if (c > bestCount) {
                best = yx;
                bestCount = c;
            }
        }
        return crop(s, best[0], best[1], h, w);
    }

    public static Transform hflip(double p) {
        return (s, r) -> r.nextDouble() < p ? flip(s) : s;
    }

    /**
     * mmseg's PhotoMetricDistortion on [0,1] images: brightness ±32/255, contrast and saturation
     * ×[0.5, 1.5], hue ±18°, each with probability 0.5. The label is untouched.
     */
    public static Transform photometric() {
        return (s, r) -> {
            float[] x = s.image().clone();
            int n = s.pixels();
            if (r.nextBoolean()) {
                float d = (float) ((r.nextDouble() * 2 - 1) * 32 / 255.0);
                for (int i = 0; i < x.length; i++) {
                    x[i] += d;
                }
            }
            boolean contrastFirst = r.nextBoolean();
            if (contrastFirst) {
                contrast(x, r);
            }
            if (r.nextBoolean()) {
                float k = (float) (0.5 + r.nextDouble());
                for (int i = 0; i < n; i++) {
                    float g = 0.299f * x[i] + 0.587f * x[n + i] + 0.114f * x[2 * n + i];
                    for (int c = 0; c < 3; c++) {
                        x[c * n + i] = g + k * (x[c * n + i] - g);
                    }
                }
            }
            if (r.nextBoolean()) {
                double a = Math.toRadians((r.nextDouble() * 2 - 1) * 18);
                hueRotate(x, n, a);
            }
            if (!contrastFirst) {
                contrast(x, r);
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.max(0f, Math.min(1f, x[i]));
            }
            return s.withImage(x);
        };
    }

    private static void contrast(float[] x, Random r) {
        if (r.nextBoolean()) {
            float k = (float) (0.5 + r.nextDouble());
            for (int i = 0; i < x.length; i++) {
                x[i] = 0.5f + k * (x[i] - 0.5f);
            }
        }
    }

    /** Rotation about the grey axis in YIQ space. */
    private static void hueRotate(float[] x, int n, double a) {
        float cos = (float) Math.cos(a), sin = (float) Math.sin(a);
        for (int i = 0; i < n; i++) {
            float rr = x[i], gg = x[n + i], bb = x[2 * n + i];
            float y = 0.299f * rr + 0.587f * gg + 0.114f * bb;
            float ii = 0.596f * rr - 0.274f * gg - 0.322f * bb;
            float q = 0.211f * rr - 0.523f * gg + 0.312f * bb;
            float i2 = ii * cos - q * sin, q2 = ii * sin + q * cos;
            x[i] = y + 0.956f * i2 + 0.621f * q2;
            x[n + i] = y - 0.272f * i2 - 0.647f * q2;
            x[2 * n + i] = y - 1.106f * i2 + 1.703f * q2;
        }
    }

    public static Sample flip(Sample s) {
        int h = s.height(), w = s.width(), n = h * w;
        float[] img = new float[s.image().length];
        int[] lab = s.label() == null ? null : new int[n];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int src = y * w + x, dst = y * w + (w - 1 - x);
                for (int c = 0; c < 3; c++) {
                    img[c * n + dst] = s.image()[c * n + src];
                }
                if (lab != null) {
                    lab[dst] = s.label()[src];
                }
            }
        }
        return new Sample(s.id(), h, w, img, lab);
    }

    public static Sample crop(Sample s, int y0, int x0, int h, int w) {
        int sh = s.height(), sw = s.width(), sn = sh * sw, n = h * w;
        float[] img = new float[3 * n];
        int[] lab = s.label() == null ? null : new int[n];
        if (lab != null) {
            java.util.Arrays.fill(lab, Classes.IGNORE);
        }
        for (int y = 0; y < h; y++) {
            int yy = y0 + y;
            if (yy < 0 || yy >= sh) {
                continue;
            }
            for (int x = 0; x < w; x++) {
                int xx = x0 + x;
                if (xx < 0 || xx >= sw) {
                    continue;
                }
                int src = yy * sw + xx, dst = y * w + x;
                img[dst] = s.image()[src];
                img[n + dst] = s.image()[sn + src];
                img[2 * n + dst] = s.image()[2 * sn + src];
                if (lab != null) {
                    lab[dst] = s.label()[src];
                }
            }
        }
        return new Sample(s.id(), h, w, img, lab);
    }

    private static int[] pickCrop(Sample s, int h, int w, Random r) {
        int y = s.height() > h ? r.nextInt(s.height() - h + 1) : 0;
        int x = s.width() > w ? r.nextInt(s.width() - w + 1) : 0;
        return new int[] {y, x};
    }

    private static double maxClassShare(Sample s, int y0, int x0, int h, int w) {
        int[] counts = new int[Classes.NUM];
        int total = 0;
        for (int y = y0; y < Math.min(y0 + h, s.height()); y++) {
            for (int x = x0; x < Math.min(x0 + w, s.width()); x++) {
                int c = s.label()[y * s.width() + x];
                if (c < Classes.NUM) {
                    counts[c]++;
                    total++;
                }
            }
        }
        int max = 0;
        for (int c : counts) {
            max = Math.max(max, c);
        }
        // mmseg only applies the test when more than one class is present
        long present = java.util.Arrays.stream(counts).filter(c -> c > 0).count();
        return present > 1 && total > 0 ? (double) max / total : 0;
    }

    private static int countClass(Sample s, int y0, int x0, int h, int w, int cls) {
        int n = 0;
        for (int y = y0; y < Math.min(y0 + h, s.height()); y++) {
            for (int x = x0; x < Math.min(x0 + w, s.width()); x++) {
                if (s.label()[y * s.width() + x] == cls) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Bilinear resampling with half-pixel centres (torch align_corners=False, no antialias). */
    public static float[] bilinear(float[] src, int sh, int sw, int h, int w) {
        int sn = sh * sw, n = h * w;
        int channels = src.length / sn;
        float[] out = new float[channels * n];
        double sy = (double) sh / h, sx = (double) sw / w;
        for (int y = 0; y < h; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, sh - 1), y1 = Math.min(y0 + 1, sh - 1);
            float wy = (float) (fy - y0);
            for (int x = 0; x < w; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, sw - 1), x1 = Math.min(x0 + 1, sw - 1);
                float wx = (float) (fx - x0);
                for (int c = 0; c < channels; c++) {
                    int b = c * sn;
                    float top = src[b + y0 * sw + x0] * (1 - wx) + src[b + y0 * sw + x1] * wx;
                    float bot = src[b + y1 * sw + x0] * (1 - wx) + src[b + y1 * sw + x1] * wx;
                    out[c * n + y * w + x] = top * (1 - wy) + bot * wy;
                }
            }
        }
        return out;
    }

    /** Nearest-neighbour resampling of a label map (pixel centres). */
    public static int[] nearest(int[] src, int sh, int sw, int h, int w) {
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) {
            int yy = Math.min(sh - 1, (int) Math.floor((y + 0.5) * sh / h));
            for (int x = 0; x < w; x++) {
                int xx = Math.min(sw - 1, (int) Math.floor((x + 0.5) * sw / w));
                out[y * w + x] = src[yy * sw + xx];
            }
        }
        return out;
    }

    /**
     * {@code perImage} random h × w crops of each sample at its own resolution (the thesis' random
     * crops of 512), drawn once from {@code seed}, {@code purpose} and the sample's id; a sample smaller than the crop
     * is resized up to cover it first.
     */
    public static List<Sample> fixedCrops(List<Sample> samples, int h, int w, int perImage, long seed, String purpose) {
        List<Sample> out = new java.util.ArrayList<>();
        for (Sample s : samples) {
            for (int k = 0; k < perImage; k++) {
                out.add(fixedCrop(s, h, w, k, seed, purpose));
            }
        }
        return out;
    }

    /** Crop {@code k} of {@link #fixedCrops}' crops of one sample (so a large set can be cropped one image at a time). */
    public static Sample fixedCrop(Sample s, int h, int w, int k, long seed, String purpose) {
        Sample big = s;
        if (s.height() < h || s.width() < w) {
            double f = Math.max((double) h / s.height(), (double) w / s.width());
            big = resizeTo(s, (int) Math.ceil(s.height() * f), (int) Math.ceil(s.width() * f));
        }
        java.util.Random r = org.diffuda.util.Generator.of(seed, purpose + ":" + s.id()).random();
        int y = 0, x = 0;
        for (int j = 0; j <= k; j++) {
            y = r.nextInt(big.height() - h + 1);
            x = r.nextInt(big.width() - w + 1);
        }
        return crop(big, y, x, h, w);
    }
}
