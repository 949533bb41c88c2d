package org.diffuda.data;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.awt.color.ColorSpace;
import java.awt.Transparency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small files in the official on-disk formats of the real datasets. */
public final class Fixtures {
    private Fixtures() {}

    public static void rgb(Path p, int h, int w, int seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 17 + seed) & 255) << 16 | ((y * 29 + seed) & 255) << 8 | (seed * 7 & 255));
            }
        }
        write(img, p);
    }

    /** 8-bit grey label PNG (Cityscapes gtFine labelIds, ACDC, generic train ids). */
    public static void grey(Path p, int[] ids, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, w, h, 0, ids);
        write(img, p);
    }

    /** Palette PNG whose indices are the ids and whose colours are something else entirely (GTA5). */
    public static void palette(Path p, int[] ids, int h, int w) throws IOException {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (255 - i);
            g[i] = (byte) (i * 37);
            b[i] = (byte) (i * 91);
        }
        IndexColorModel cm = new IndexColorModel(8, 256, r, g, b);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
        img.getRaster().setSamples(0, 0, w, h, 0, ids);
        write(img, p);
    }

    /** 16-bit RGB PNG with the class id in the first channel and an instance id in the second (SYNTHIA). */
    public static void rgb16(Path p, int[] ids, int[] instance, int h, int w) throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
        raster.setSamples(0, 0, w, h, 0, ids);
        raster.setSamples(0, 0, w, h, 1, instance);
        raster.setSamples(0, 0, w, h, 2, new int[h * w]);
        write(new BufferedImage(cm, raster, false, null), p);
    }

    static void write(BufferedImage img, Path p) throws IOException {
        Files.createDirectories(p.getParent());
        if (!ImageIO.write(img, "png", p.toFile())) {
            throw new IOException("no writer");
        }
    }

    public static int[] fill(int n, int... cycle) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = cycle[i % cycle.length];
        }
        return out;
    }
}
