package org.diffuda.diffusion.prior;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.DataException;
import org.diffuda.data.Png;
import org.diffuda.data.Transforms;
import org.diffuda.util.Json;

/** An imagefolder with {@code metadata.jsonl} ({"file_name", "text", ...}), loaded at one size. */
public record CaptionedImages(List<float[]> images, List<String> captions, List<String> styles, List<String> objects,
                              int height, int width) {

    public static CaptionedImages load(Path dir, int h, int w) {
        return load(dir, h, w, 0);
    }

    /** The first {@code limit} captioned images of {@code dir} (0: all). */
    public static CaptionedImages load(Path dir, int h, int w, int limit) {
        Folder f = folder(dir);
        int n = limit > 0 ? Math.min(limit, f.size()) : f.size();
        List<float[]> imgs = new ArrayList<>();
        List<String> caps = new ArrayList<>(), styles = new ArrayList<>(), objects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            org.diffuda.data.Sample x = f.image(i);
            imgs.add(x.height() == h && x.width() == w ? x.image() : Transforms.bilinear(x.image(), x.height(), x.width(), h, w));
            JsonNode line = f.lines().get(i);
            caps.add(f.caption(i));
            styles.add(line.hasNonNull("style") ? line.get("style").asText() : null);
            objects.add(line.hasNonNull("object") ? line.get("object").asText() : null);
        }
        return new CaptionedImages(imgs, caps, styles, objects, h, w);
    }

    /**
     * A captioned folder read lazily: its captions from {@code metadata.jsonl} now, each image at
     * its own size only when asked for (a real-scale fine-tuning set is never all in memory).
     */
    public record Folder(Path dir, List<JsonNode> lines) {
        public int size() {
            return lines.size();
        }

        public String caption(int i) {
            return lines.get(i).get("text").asText();
        }

        /** Image i at its own size, with its file name as id. */
        public org.diffuda.data.Sample image(int i) {
            String file = lines.get(i).get("file_name").asText();
            var img = Png.read(dir.resolve(file));
            return new org.diffuda.data.Sample(file, img.getHeight(), img.getWidth(), Png.rgbChw(img), null);
        }
    }

    /**
     * {@code dir} as a {@link Folder}; refused when it has no metadata.jsonl or a line names a file
     * that is not there (checked now, before a long run reads it).
     */
    public static Folder folder(Path dir) {
        List<JsonNode> lines = metadata(dir);
        if (lines == null) {
            throw new DataException(dir, "not a captioned image folder (no metadata.jsonl)");
        }
        for (JsonNode n : lines) {
            Path f = dir.resolve(n.get("file_name").asText());
            if (!Files.isRegularFile(f)) {
                throw new DataException(dir.resolve("metadata.jsonl"), "names " + n.get("file_name").asText() + ", which is not in " + dir);
            }
        }
        return new Folder(dir, lines);
    }

    /**
     * Refuses, from the captions alone (no image is read), a folder that lacks captioned images of
     * one of {@code objects} (its metadata's "object" field): what a classifier of those objects
     * needs, checked before a long run rather than at its end. {@code what} names the option that
     * asked for it.
     */
    public static void requireObjects(Path dir, List<String> objects, String what) {
        List<JsonNode> lines = metadata(dir);
        if (lines == null) {
            throw new DataException(dir, "not a captioned image folder (no metadata.jsonl)");
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        for (JsonNode n : lines) {
            if (n.hasNonNull("object")) {
                present.add(n.get("object").asText());
            }
        }
        List<String> missing = objects.stream().filter(o -> !present.contains(o)).toList();
        if (!missing.isEmpty()) {
            throw new DataException(dir.resolve("metadata.jsonl"), "no captioned images of " + String.join(", ", missing)
                    + ", which " + what + " needs");
        }
    }

    /**
     * The images of several sources, in order, at one size: a folder with {@code metadata.jsonl}
     * with its captions, anything else as a dataset ({@link org.diffuda.data.Datasets#open}; labels
     * ignored) whose images are captioned "". For what learns from pixels alone (an autoencoder).
     */
    public static CaptionedImages loadAll(List<String> sources, int h, int w, org.diffuda.data.BadInput bad) {
        return loadAll(sources, h, w, bad, 0);
    }

    /** The first {@code limit} of those images (0: all), reading no more sources than that takes. */
    public static CaptionedImages loadAll(List<String> sources, int h, int w, org.diffuda.data.BadInput bad, int limit) {
        List<float[]> imgs = new ArrayList<>();
        List<String> caps = new ArrayList<>(), styles = new ArrayList<>(), objects = new ArrayList<>();
        for (String src : sources) {
            if (limit > 0 && imgs.size() >= limit) {
                break;
            }
            Path dir = Path.of(src);
            int left = limit > 0 ? limit - imgs.size() : 0;
            if (Files.isRegularFile(dir.resolve("metadata.jsonl"))) {
                CaptionedImages c = load(dir, h, w, left);
                imgs.addAll(c.images());
                caps.addAll(c.captions());
                styles.addAll(c.styles());
                objects.addAll(c.objects());
                continue;
            }
            org.diffuda.data.Dataset d = org.diffuda.data.Datasets.open("--data", src, bad);
            for (int i = 0; i < (left > 0 ? Math.min(left, d.size()) : d.size()); i++) {
                org.diffuda.data.Sample x = d.load(i);
                imgs.add(x.height() == h && x.width() == w ? x.image() : Transforms.bilinear(x.image(), x.height(), x.width(), h, w));
                caps.add("");
                styles.add(null);
                objects.add(null);
            }
        }
        if (imgs.isEmpty()) {
            throw new DataException(Path.of(sources.get(0)), "no images");
        }
        return new CaptionedImages(imgs, caps, styles, objects, h, w);
    }

    /** The lines of {@code dir/metadata.jsonl}, each checked to hold file_name and text; null when there is none. */
    private static List<JsonNode> metadata(Path dir) {
        Path meta = dir.resolve("metadata.jsonl");
        if (!Files.isRegularFile(meta)) {
            return null;
        }
        List<JsonNode> out = new ArrayList<>();
        try {
            int lineNo = 0;
            for (String line : Files.readAllLines(meta)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new DataException(meta, "line " + lineNo + " is not JSON");
                }
                if (!n.hasNonNull("file_name") || !n.hasNonNull("text")) {
                    throw new DataException(meta, "line " + lineNo + " needs file_name and text");
                }
                out.add(n);
            }
        } catch (IOException e) {
            throw new DataException(meta, "unreadable: " + e.getMessage());
        }
        return out;
    }

    /**
     * The captions of a folder's {@code metadata.jsonl} by image id (file name without folder and
     * extension), or null when it has none: how a labelled folder dataset carries its captions.
     */
    public static java.util.Map<String, String> captions(Path dir) {
        List<JsonNode> lines = metadata(dir);
        if (lines == null) {
            return null;
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode n : lines) {
            String file = Path.of(n.get("file_name").asText()).getFileName().toString();
            int dot = file.lastIndexOf('.');
            out.put(dot > 0 ? file.substring(0, dot) : file, n.get("text").asText());
        }
        return out;
    }

    public int size() {
        return images.size();
    }
}
