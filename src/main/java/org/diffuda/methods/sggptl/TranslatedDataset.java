package org.diffuda.methods.sggptl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;

/**
 * Writes a translated copy of (a subset of) a labelled dataset in the generic folder layout
 * ({@code images/<id>.png}, {@code labels/<id>.png} with the source's train ids), so any
 * segmenter — ours or another tool's — can train on it. The folder appears complete or not at
 * all: it is written under {@code <dir>.tmp} and renamed.
 */
public final class TranslatedDataset {
    /** Translates one batch: images (B, 3, H, W) in [0, 1], labels (B, H, W) int64 → images. */
    public interface BatchTranslation {
        NDArray apply(NDArray images, NDArray labels, int batchIndex);
    }

    private TranslatedDataset() {}

    public static void write(Path dir, Dataset source, int[] indices, int batchSize, BadInput bad, int n, BatchTranslation fn) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        try {
            if (Files.exists(tmp)) {
                AtomicFiles.deleteRecursively(tmp);
            }
            Files.createDirectories(tmp.resolve("images"));
            Files.createDirectories(tmp.resolve("labels"));
            List<Sample> pending = new ArrayList<>();
            int batchIndex = 0;
            try (Progress p = new Progress("translate n=" + n, indices.length)) {
                for (int i : indices) {
                    Sample s;
                    try {
                        s = source.load(i);
                    } catch (DataException e) {
                        bad.report(e);
                        p.step();
                        continue;
                    }
                    // a batch holds images of one size; a size change flushes it
                    if (!pending.isEmpty() && (pending.size() == batchSize || pending.get(0).height() != s.height()
                            || pending.get(0).width() != s.width())) {
                        int k = pending.size();
                        flush(tmp, pending, batchIndex++, fn);
                        p.step(k, "");
                    }
                    pending.add(s);
                }
                if (!pending.isEmpty()) {
                    int k = pending.size();
                    flush(tmp, pending, batchIndex, fn);
                    p.step(k, "");
                }
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DiffudaException(dir + ": " + e.getMessage(), e);
        }
    }

    private static void flush(Path dir, List<Sample> samples, int batchIndex, BatchTranslation fn) {
        Batch b = Batch.of(samples);
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray out = fn.apply(b.images(m), b.labels(m), batchIndex);
            float[] all = out.toFloatArray();
            int per = 3 * b.height() * b.width();
            for (int k = 0; k < samples.size(); k++) {
                Sample s = samples.get(k);
                float[] img = java.util.Arrays.copyOfRange(all, k * per, (k + 1) * per);
                String name = fileName(s.id());
                Png.writeDirect(Png.fromChw(img, s.height(), s.width()), dir.resolve("images").resolve(name));
                Png.writeDirect(Png.labelImage(s.label(), s.height(), s.width()), dir.resolve("labels").resolve(name));
            }
        }
        samples.clear();
    }

    /** A flat file name for a sample id (ids of nested layouts contain '/'). */
    public static String fileName(String id) {
        return id.replace('/', '_').replace('\\', '_') + ".png";
    }
}
