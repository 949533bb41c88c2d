package org.diffuda.data;

import java.nio.file.Path;
import org.diffuda.util.DiffudaException;

/**
 * Parses a dataset argument: {@code KIND:PATH[#SUBSET]} or a plain folder path.
 * <ul>
 *   <li>{@code cityscapes:/data/cityscapes#val} (split, default train)</li>
 *   <li>{@code gta5:/data/gta5}, {@code synthia:/data/RAND_CITYSCAPES}</li>
 *   <li>{@code acdc:/data/acdc#night/val} (condition/split; condition may be all)</li>
 *   <li>{@code folder:/out/bench/real/val} or just {@code /out/bench/real/val}</li>
 *   <li>one PNG file: a one-image unlabelled set (e.g. the one-shot target image)</li>
 * </ul>
 */
public final class Datasets {
    private Datasets() {}

    public static Dataset open(String spec, BadInput bad) {
        String kind = "folder";
        String rest = spec;
        int colon = spec.indexOf(':');
        if (colon > 1) {
            kind = spec.substring(0, colon);
            rest = spec.substring(colon + 1);
        }
        String subset = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            subset = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
        }
        Path root = Path.of(rest);
        return switch (kind) {
            case "cityscapes" -> Readers.cityscapes(root, subset == null ? "train" : subset, bad);
            case "gta5" -> Readers.gta5(root, bad);
            case "synthia" -> Readers.synthia(root, bad);
            case "acdc" -> {
                String[] cs = (subset == null ? "all/train" : subset).split("/");
                if (cs.length != 2) {
                    throw new DiffudaException("dataset '" + spec + "': ACDC subset must be CONDITION/SPLIT, e.g. #night/val");
                }
                yield Readers.acdc(root, cs[0], cs[1], bad);
            }
            case "folder" -> {
                if (rest.toLowerCase(java.util.Locale.ROOT).endsWith(".png") && !java.nio.file.Files.isRegularFile(root)) {
                    throw new DataException(root, "no such image file");
                }
                yield java.nio.file.Files.isRegularFile(root) ? Readers.image(root, bad) : Readers.folder(root, bad);
            }
            default -> throw new DiffudaException("dataset '" + spec
                    + "': unknown kind '" + kind + "' (cityscapes, gta5, synthia, acdc, folder)");
        };
    }

    /**
     * {@link #open(String, BadInput)} for a command-line option: an error names the option (once)
     * before what is wrong with its value.
     */
    public static Dataset open(String option, String spec, BadInput bad) {
        try {
            return open(spec, bad);
        } catch (DiffudaException e) {
            throw new DiffudaException(e.getMessage().startsWith(option) ? e.getMessage() : option + " " + e.getMessage(), e);
        }
    }

    /** {@link #open(String, String, BadInput)} for data a method learns its labels from: one without labels is refused. */
    public static Dataset openLabelled(String option, String spec, BadInput bad) {
        Dataset d = open(option, spec, bad);
        if (!d.labelled()) {
            throw new DiffudaException(option + " " + spec + ": has no labels (found no label folder)");
        }
        return d;
    }

    /** What a run's config records of its data (so a resume on other data is refused): name and size of each. */
    public static java.util.List<String> describe(java.util.List<Dataset> data) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Dataset d : data) {
            out.add(d.name() + " (" + d.size() + " images)");
        }
        return out;
    }

    /** The indices of a dataset sorted by id (a listing's order is not an order). */
    public static java.util.List<Integer> byId(Dataset d) {
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            order.add(i);
        }
        order.sort(java.util.Comparator.comparing(d::id));
        return order;
    }

    /** A view of the first {@code n} samples of a dataset by id. */
    public static Dataset first(Dataset d, int n) {
        java.util.List<Integer> order = byId(d);
        java.util.List<Integer> keep = order.subList(0, Math.min(n, order.size()));
        return new Dataset() {
            @Override
            public String name() {
                return d.name();
            }

            @Override
            public int size() {
                return keep.size();
            }

            @Override
            public String id(int index) {
                return d.id(keep.get(index));
            }

            @Override
            public Sample load(int index) {
                return d.load(keep.get(index));
            }

            @Override
            public boolean labelled() {
                return d.labelled();
            }
        };
    }
}
