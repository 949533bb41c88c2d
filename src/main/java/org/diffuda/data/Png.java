package org.diffuda.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;

/**
 * PNG reading and writing. Labels are read from the raster (the stored index or grey value,
 * 8 or 16 bit), never through getRGB, so palette PNGs give their indices, not colours.
 */
public final class Png {
    private Png() {}

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /**
     * Width and height from a PNG's header, checking what can be checked without decoding: the
     * signature, an IHDR chunk first, and the IEND chunk last (a truncated or half-copied file
     * lacks it). Reads 33 bytes from the start and 12 from the end.
     */
    public static int[] checkHeader(Path p) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8 + 25 + 12) {
                throw new DataException(p, "not a PNG (" + size + " bytes)");
            }
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(33);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // fill
            }
            byte[] h = head.array();
            if (!java.util.Arrays.equals(java.util.Arrays.copyOf(h, 8), SIGNATURE)) {
                throw new DataException(p, "not a PNG (bad signature)");
            }
            if (h[12] != 'I' || h[13] != 'H' || h[14] != 'D' || h[15] != 'R') {
                throw new DataException(p, "not a PNG (no IHDR chunk first)");
            }
            int w = java.nio.ByteBuffer.wrap(h, 16, 4).getInt(), ht = java.nio.ByteBuffer.wrap(h, 20, 4).getInt();
            if (w <= 0 || ht <= 0) {
                throw new DataException(p, "PNG header says " + w + "x" + ht);
            }
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(12);
            while (tail.hasRemaining() && ch.read(tail, size - 12 + tail.position()) > 0) {
                // fill
            }
            if (!java.util.Arrays.equals(tail.array(), IEND)) {
                throw new DataException(p, "truncated PNG (no IEND chunk at the end)");
            }
            return new int[] {w, ht};
        } catch (java.nio.file.NoSuchFileException e) {
            throw new DataException(p, "file not found");
        } catch (IOException e) {
            throw new DataException(p, "cannot read: " + org.diffuda.util.Json.firstLine(e.getMessage()));
        }
    }

    public static BufferedImage read(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new DataException(p, "file not found");
        }
        try (InputStream in = Files.newInputStream(p); ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            var readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new DataException(p, "not a readable image");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(iis, true, true);
                BufferedImage img = r.read(0);
                if (img == null) {
                    throw new DataException(p, "no image in file");
                }
                return img;
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException de) {
                throw de;
            }
            throw new DataException(p, "unreadable or truncated image (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + org.diffuda.util.Json.firstLine(e.getMessage())) + ")");
        }
    }

    /** RGB as float CHW in [0, 1]; 16-bit images are scaled from 65535, grey is replicated. */
    public static float[] rgbChw(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight(), n = w * h;
        float[] out = new float[3 * n];
        Raster r = img.getRaster();
        boolean indexed = img.getColorModel() instanceof java.awt.image.IndexColorModel;
        int bands = r.getNumBands();
        int bits = img.getColorModel().getComponentSize(0);
        if (!indexed && bands >= 3) {
            float scale = bits > 8 ? 65535f : 255f;
            for (int c = 0; c < 3; c++) {
                float[] ch = r.getSamples(0, 0, w, h, c, (float[]) null);
                for (int i = 0; i < n; i++) {
                    out[c * n + i] = ch[i] / scale;
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    int i = y * w + x;
                    out[i] = ((rgb >> 16) & 255) / 255f;
                    out[n + i] = ((rgb >> 8) & 255) / 255f;
                    out[2 * n + i] = (rgb & 255) / 255f;
                }
            }
        }
        return out;
    }

    /** The raw stored value of one band (palette index, grey level, or 16-bit channel). */
    public static int[] band(BufferedImage img, int band) {
        Raster r = img.getRaster();
        if (band >= r.getNumBands()) {
            throw new IllegalArgumentException("band " + band + " of " + r.getNumBands());
        }
        return r.getSamples(0, 0, img.getWidth(), img.getHeight(), band, (int[]) null);
    }

    public static BufferedImage fromChw(float[] chw, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int n = h * w;
        int[] px = new int[n];
        for (int i = 0; i < n; i++) {
            int r = clamp8(chw[i]), g = clamp8(chw[n + i]), b = clamp8(chw[2 * n + i]);
            px[i] = (r << 16) | (g << 8) | b;
        }
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    private static int clamp8(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }

    /** A label as an 8-bit grey PNG of train ids. */
    public static BufferedImage labelImage(int[] label, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        r.setSamples(0, 0, w, h, 0, label);
        return img;
    }

    /** A label coloured with the Cityscapes palette (ignore = black). */
    public static BufferedImage colorize(int[] label, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[label.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = Classes.colorRgb(label[i]);
        }
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    public static void write(BufferedImage img, Path p) {
        AtomicFiles.write(p, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    /** Writes without the atomic rename; for files inside a directory that is itself renamed. */
    public static void writeDirect(BufferedImage img, Path p) {
        try {
            Files.createDirectories(p.toAbsolutePath().getParent());
            ImageIO.write(img, "png", p.toFile());
        } catch (IOException e) {
            throw new DiffudaException(p + ": cannot write PNG: " + e.getMessage(), e);
        }
    }
}
