package org.diffuda.data;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Image files paired with label files; the label is one band of its PNG (palette index, grey
 * level or the first channel of a 16-bit RGB) mapped to train ids by a {@link LabelMapping}.
 * Every real-dataset reader is one of these with its own file listing.
 */
public class PairedFileDataset implements Dataset {
    /** One image and its label file (null when unlabelled). */
    public record Entry(String id, Path image, Path label) {}

    private final String name;
    private final List<Entry> entries;
    private final LabelMapping mapping;
    private final int labelBand;

    public PairedFileDataset(String name, List<Entry> entries, LabelMapping mapping, int labelBand) {
        this.name = name;
        this.entries = List.copyOf(entries);
        this.mapping = mapping;
        this.labelBand = labelBand;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public String id(int index) {
        return entries.get(index).id();
    }

    public Entry entry(int index) {
        return entries.get(index);
    }

    @Override
    public boolean labelled() {
        return !entries.isEmpty() && entries.get(0).label() != null;
    }

    @Override
    public Sample load(int index) {
        Entry e = entries.get(index);
        BufferedImage img = Png.read(e.image());
        int h = img.getHeight(), w = img.getWidth();
        float[] rgb = Png.rgbChw(img);
        int[] label = null;
        if (e.label() != null) {
            BufferedImage lab = Png.read(e.label());
            if (lab.getHeight() != h || lab.getWidth() != w) {
                throw new DataException(e.label(), "label is " + lab.getWidth() + "x" + lab.getHeight()
                        + " but its image " + e.image().getFileName() + " is " + w + "x" + h);
            }
            if (labelBand >= lab.getRaster().getNumBands()) {
                throw new DataException(e.label(), "label has " + lab.getRaster().getNumBands()
                        + " band(s), expected the class id in band " + labelBand);
            }
            label = Png.band(lab, labelBand);
            int bad = mapping.mapInPlace(label);
            if (bad >= 0) {
                throw new DataException(e.label(), "label id " + bad + " is outside the " + mapping.name() + " mapping");
            }
        }
        return new Sample(e.id(), h, w, rgb, label);
    }
}
