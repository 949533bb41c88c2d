package org.diffuda.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readers for the real datasets in their original on-disk layouts, and the generic folder layout
 * that the benchmark and generated datasets use. Each lists image/label pairs; a missing partner
 * is an error naming the file, or with skipBad a counted warning.
 */
public final class Readers {
    private static final Logger LOG = LoggerFactory.getLogger(Readers.class);

    private Readers() {}

    /** {@code leftImg8bit/{split}/{city}/*_leftImg8bit.png} + {@code gtFine/.../*_gtFine_labelIds.png}. */
    public static PairedFileDataset cityscapes(Path root, String split, BadInput bad) {
        Path images = requireDir(root.resolve("leftImg8bit").resolve(split), "Cityscapes images");
        Path gt = root.resolve("gtFine").resolve(split);
        boolean labelled = Files.isDirectory(gt);
        List<PairedFileDataset.Entry> out = new ArrayList<>();
        for (Path img : listPng(images, true)) {
            String file = img.getFileName().toString();
            if (!file.endsWith("_leftImg8bit.png")) {
                continue;
            }
            String stem = file.substring(0, file.length() - "_leftImg8bit.png".length());
            Path city = images.relativize(img).getParent();
            Path label = labelled ? gt.resolve(city).resolve(stem + "_gtFine_labelIds.png") : null;
            add(out, stem, img, label, bad);
        }
        return finish("cityscapes/" + split, out, LabelMapping.CITYSCAPES, 0, root);
    }

    /** {@code images/*.png} + {@code labels/*.png} in Cityscapes label ids (often palette PNGs). */
    public static PairedFileDataset gta5(Path root, BadInput bad) {
        return sameName("gta5", root.resolve("images"), root.resolve("labels"), LabelMapping.CITYSCAPES, 0, bad, root);
    }

    /** RAND-CITYSCAPES: {@code RGB/*.png} + {@code GT/LABELS/*.png}, 16-bit, class id in channel 0. */
    public static PairedFileDataset synthia(Path root, BadInput bad) {
        return sameName("synthia", root.resolve("RGB"), root.resolve("GT").resolve("LABELS"), LabelMapping.SYNTHIA, 0, bad, root);
    }

    /**
     * ACDC: {@code rgb_anon/{cond}/{split}/{seq}/*_rgb_anon.png} + {@code gt/{cond}/{split}/{seq}/
     * *_gt_labelIds.png}; cond is fog, night, rain, snow or all.
     */
    public static PairedFileDataset acdc(Path root, String condition, String split, BadInput bad) {
        List<String> conds = condition.equals("all") ? List.of("fog", "night", "rain", "snow") : List.of(condition);
        List<PairedFileDataset.Entry> out = new ArrayList<>();
        for (String cond : conds) {
            if (!List.of("fog", "night", "rain", "snow").contains(cond)) {
                throw new DataException(root, "unknown ACDC condition '" + cond + "' (fog, night, rain, snow, all)");
            }
            Path images = requireDir(root.resolve("rgb_anon").resolve(cond).resolve(split), "ACDC images");
            Path gt = root.resolve("gt").resolve(cond).resolve(split);
            boolean labelled = Files.isDirectory(gt);
            int before = out.size();
            List<Path> files = listPng(images, true);
            if (files.stream().noneMatch(p -> p.getFileName().toString().endsWith("_rgb_anon.png"))) {
                throw new DataException(images, "no *_rgb_anon.png images for ACDC condition " + cond);
            }
            for (Path img : files) {
                String file = img.getFileName().toString();
                if (!file.endsWith("_rgb_anon.png")) {
                    continue;
                }
                String stem = file.substring(0, file.length() - "_rgb_anon.png".length());
                Path seq = images.relativize(img).getParent();
                Path label = labelled ? (seq == null ? gt : gt.resolve(seq)).resolve(stem + "_gt_labelIds.png") : null;
                add(out, cond + "/" + stem, img, label, bad);
            }
            LOG.debug("ACDC {}: {} images", cond, out.size() - before);
        }
        return finish("acdc/" + condition + "/" + split, out, LabelMapping.CITYSCAPES, 0, root);
    }

    /** Generic layout: {@code images/*.png} + optional {@code labels/*.png} of train ids. */
    public static PairedFileDataset folder(Path root, BadInput bad) {
        Path labels = root.resolve("labels");
        return sameName(root.getFileName() == null ? root.toString() : root.toString(), root.resolve("images"),
                Files.isDirectory(labels) ? labels : null, LabelMapping.TRAIN_IDS, 0, bad, root);
    }

    /** One image file as an unlabelled one-image dataset (the one-shot target of DATUM and its baseline). */
    public static PairedFileDataset image(Path file, BadInput bad) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
            throw new DataException(file, "not a PNG file (a dataset is a folder, or one .png image)");
        }
        List<PairedFileDataset.Entry> out = new ArrayList<>();
        String f = file.getFileName().toString();
        add(out, f.substring(0, f.length() - 4), file, null, bad);
        return finish(file.toString(), out, LabelMapping.TRAIN_IDS, 0, file);
    }

    /** Two folders of same-named PNGs: images and train-id labels (e.g. --images DIR --labels DIR). */
    public static PairedFileDataset pairs(Path images, Path labels, BadInput bad) {
        return sameName(images.toString(), images, requireDir(labels, "labels"), LabelMapping.TRAIN_IDS, 0, bad, images);
    }

    private static PairedFileDataset sameName(String name, Path images, Path labels, LabelMapping mapping,
                                              int band, BadInput bad, Path root) {
        requireDir(images, name + " images");
        List<PairedFileDataset.Entry> out = new ArrayList<>();
        for (Path img : listPng(images, false)) {
            String file = img.getFileName().toString();
            String stem = file.substring(0, file.length() - 4);
            add(out, stem, img, labels == null ? null : labels.resolve(file), bad);
        }
        return finish(name, out, mapping, band, root);
    }

    /**
     * Adds an (image, label) pair after the checks that need no decoding — both files there, both
     * PNG headers whole (signature, IHDR, IEND), the same size — so a broken file fails (or, with
     * --skip-bad, is left out and counted once) before training, not when a batch happens to draw it.
     */
    private static void add(List<PairedFileDataset.Entry> out, String id, Path img, Path label, BadInput bad) {
        if (label != null && !Files.isRegularFile(label)) {
            bad.report(new DataException(label, "missing label file for image " + img.getFileName()));
            return;
        }
        try {
            int[] size = Png.checkHeader(img);
            if (label != null) {
                int[] ls = Png.checkHeader(label);
                if (ls[0] != size[0] || ls[1] != size[1]) {
                    throw new DataException(label, "label is " + ls[0] + "x" + ls[1] + " but its image " + img.getFileName()
                            + " is " + size[0] + "x" + size[1]);
                }
            }
        } catch (DataException e) {
            bad.report(e);
            return;
        }
        out.add(new PairedFileDataset.Entry(id, img, label));
    }

    private static PairedFileDataset finish(String name, List<PairedFileDataset.Entry> out, LabelMapping m,
                                            int band, Path root) {
        if (out.isEmpty()) {
            throw new DataException(root, "no usable images found for " + name);
        }
        LOG.debug("{}: {} images", name, out.size());
        return new PairedFileDataset(name, out, m, band);
    }

    private static Path requireDir(Path p, String what) {
        if (!Files.isDirectory(p)) {
            throw new DataException(p, what + " directory not found");
        }
        return p;
    }

    static List<Path> listPng(Path dir, boolean recursive) {
        try (Stream<Path> s = recursive ? Files.walk(dir) : Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".png") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
