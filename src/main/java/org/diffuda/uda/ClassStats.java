package org.diffuda.uda;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.diffuda.data.Classes;
import org.diffuda.data.Dataset;
import org.diffuda.data.Loader;
import org.diffuda.data.PairedFileDataset;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-image class pixel counts of a labelled source set — DAFormer's sample_class_stats — and Rare
 * Class Sampling on them: f_c = c's share of all labelled pixels, P(c) = softmax((1 − f_c)/T) over
 * the classes that occur; a draw picks c, then uniformly one image holding at least the minimum
 * pixel count of c. Computed once and cached beside the data ({@code .diffuda-class-stats.json},
 * keyed by the label files' names, sizes and modification times, so changed data is recounted).
 */
public final class ClassStats {
    private static final Logger LOG = LoggerFactory.getLogger(ClassStats.class);
    static final String CACHE = ".diffuda-class-stats.json";

    /** The cache file: a fingerprint of the label files and counts[image][class]. */
    record Cached(@JsonProperty("fingerprint") String fingerprint, @JsonProperty("pixels") long[][] pixels) {}

    private final long[][] pixels; // [image][class]
    private final int imagePixels;

    ClassStats(long[][] pixels, int imagePixels) {
        this.pixels = pixels;
        this.imagePixels = imagePixels;
    }

    /** Counts (or reads from the cache) the class pixels of every image of {@code d}. */
    public static ClassStats of(Dataset d) {
        Path cache = cachePath(d);
        String fp = fingerprint(d);
        if (cache != null && Files.isRegularFile(cache)) {
            try {
                Cached c = Json.readFile(cache, Cached.class);
                if (fp.equals(c.fingerprint()) && c.pixels().length == d.size()) {
                    return new ClassStats(c.pixels(), pixelsOf(d));
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: unreadable class statistics, counting again", cache);
            }
        }
        long[][] px = new long[d.size()][Classes.NUM];
        int per = 0;
        for (int i = 0; i < d.size(); i++) {
            int[] l = d.load(i).label();
            if (l == null) {
                throw new org.diffuda.util.DiffudaException(d.name() + ": class statistics need labels");
            }
            per = l.length;
            for (int v : l) {
                if (v >= 0 && v < Classes.NUM) {
                    px[i][v]++;
                }
            }
        }
        if (cache != null) {
            try {
                AtomicFiles.writeString(cache, Json.write(new Cached(fp, px)) + "\n");
            } catch (RuntimeException e) {
                LOG.warn("{}: cannot cache class statistics ({}); they are kept for this run only", cache, e.getMessage());
            }
        }
        return new ClassStats(px, per);
    }

    private static int pixelsOf(Dataset d) {
        var s = d.load(0);
        return s.height() * s.width();
    }

    static Path cachePath(Dataset d) {
        if (d instanceof PairedFileDataset p && p.size() > 0 && p.entry(0).label() != null) {
            Path labels = p.entry(0).label().toAbsolutePath().getParent();
            return labels.getParent() != null ? labels.getParent().resolve(CACHE) : labels.resolve(CACHE);
        }
        return null;
    }

    static String fingerprint(Dataset d) {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < d.size(); i++) {
            String line = d.id(i);
            if (d instanceof PairedFileDataset p && p.entry(i).label() != null) {
                Path f = p.entry(i).label();
                try {
                    line += "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis();
                } catch (java.io.IOException e) {
                    line += "|?";
                }
            }
            md.update((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** Pixel share f_c of each class over the set (0 for absent classes). */
    public double[] frequencies() {
        double[] f = new double[Classes.NUM];
        double total = 0;
        for (long[] row : pixels) {
            for (int c = 0; c < Classes.NUM; c++) {
                f[c] += row[c];
                total += row[c];
            }
        }
        for (int c = 0; c < Classes.NUM; c++) {
            f[c] = total == 0 ? 0 : f[c] / total;
        }
        return f;
    }

    /** softmax((1 − f_c)/T) over the classes that occur in at least one eligible image; 0 for the others. */
    public static double[] probabilities(double[] freq, boolean[] usable, double temperature) {
        double[] p = new double[freq.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < freq.length; c++) {
            if (usable[c]) {
                max = Math.max(max, (1 - freq[c]) / temperature);
            }
        }
        double sum = 0;
        for (int c = 0; c < freq.length; c++) {
            if (usable[c]) {
                p[c] = Math.exp((1 - freq[c]) / temperature - max);
                sum += p[c];
            }
        }
        for (int c = 0; c < freq.length; c++) {
            p[c] = sum == 0 ? 0 : p[c] / sum;
        }
        return p;
    }

    /** The minimum pixel count of a class for an image to be drawn for it: {@code at512} scaled to the image area. */
    public int minPixels(int at512) {
        return scaled(at512, imagePixels);
    }

    /** A pixel count given at 512×512 (DAFormer's, the thesis'), scaled to an area of {@code pixels}. */
    public static int scaled(int at512, long pixels) {
        return (int) Math.max(1, Math.round((double) at512 * pixels / (512.0 * 512.0)));
    }

    /** Images with at least {@code min} pixels of each class. */
    public List<List<Integer>> eligible(int min) {
        List<List<Integer>> out = new ArrayList<>();
        for (int c = 0; c < Classes.NUM; c++) {
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < pixels.length; i++) {
                if (pixels[i][c] >= min) {
                    l.add(i);
                }
            }
            out.add(l);
        }
        return out;
    }

    /**
     * RCS over one labelled dataset: every sample of a batch draws a class, then an image holding it.
     * Each pick is {dataset 0, image, class}: a {@link org.diffuda.data.Transforms.ClassAware}
     * transform (a crop around a pixel of the class) receives the class.
     */
    public Loader.Sampler sampler(double temperature, int minPixelsAt512) {
        Rcs rcs = rcs(temperature, minPixelsAt512);
        return (iteration, b, rnd) -> {
            int[][] out = new int[b][];
            for (int j = 0; j < b; j++) {
                int[] ic = rcs.draw(rnd);
                out[j] = new int[] {0, ic[0], ic[1]};
            }
            return out;
        };
    }

    /** Rare Class Sampling over this set: the images eligible for each class and the class probabilities. */
    public record Rcs(List<List<Integer>> eligible, double[] p) {
        /** A class, then an image holding enough of it: {image, class}. */
        public int[] draw(Random rnd) {
            int c = ClassStats.draw(p, rnd);
            List<Integer> imgs = eligible.get(c);
            return new int[] {imgs.get(rnd.nextInt(imgs.size())), c};
        }
    }

    /** The RCS distribution at temperature T, an image needing {@code minPixelsAt512} (scaled) of a class. */
    public Rcs rcs(double temperature, int minPixelsAt512) {
        List<List<Integer>> el = eligible(minPixels(minPixelsAt512));
        boolean[] usable = new boolean[Classes.NUM];
        for (int c = 0; c < Classes.NUM; c++) {
            usable[c] = !el.get(c).isEmpty();
        }
        return new Rcs(el, probabilities(frequencies(), usable, temperature));
    }

    /** A class drawn from the probabilities p (zeros never). */
    public static int draw(double[] p, Random rnd) {
        double u = rnd.nextDouble(), acc = 0;
        int last = -1;
        for (int c = 0; c < p.length; c++) {
            if (p[c] > 0) {
                acc += p[c];
                last = c;
                if (u < acc) {
                    return c;
                }
            }
        }
        return last;
    }

    /** A table for {@code rcs stats}: class, pixel share, eligible images, sampling probability. */
    public List<String[]> table(double temperature, int minPixelsAt512) {
        Rcs rcs = rcs(temperature, minPixelsAt512);
        List<List<Integer>> el = rcs.eligible();
        double[] f = frequencies(), p = rcs.p();
        List<String[]> rows = new ArrayList<>();
        for (int c = 0; c < Classes.NUM; c++) {
            rows.add(new String[] {Classes.NAMES[c], String.format("%.4f", f[c]), String.valueOf(el.get(c).size()),
                String.format("%.4f", p[c])});
        }
        return rows;
    }
}
