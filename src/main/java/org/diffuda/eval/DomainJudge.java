package org.diffuda.eval;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.Dataset;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;

/**
 * Judges generated images by a classifier trained on real images of the classes in question:
 * e.g. sim vs real (does a target-trained DDPM produce the target look?), or night / snow / fog
 * (does the prior follow its prompt?). Reports the share judged as the wanted class.
 */
public final class DomainJudge {
    private final ImageClassifier classifier;
    private final int h;
    private final int w;
    private final NDManager manager;

    private DomainJudge(ImageClassifier c, int h, int w, NDManager m) {
        this.classifier = c;
        this.h = h;
        this.w = w;
        this.manager = m;
    }

    /** Trains on images of each class (datasets resized to h × w). */
    public static DomainJudge train(List<List<float[]>> perClass, int h, int w, int iterations, long seed, NDManager m) {
        List<float[]> imgs = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < perClass.size(); c++) {
            for (float[] x : perClass.get(c)) {
                imgs.add(x);
                labels.add(c);
            }
        }
        ImageClassifier clf = new ImageClassifier(perClass.size()).init(m, Generator.of(seed, "init:classifier"));
        clf.train(imgs, labels.stream().mapToInt(Integer::intValue).toArray(), h, w, iterations, 32, seed);
        return new DomainJudge(clf, h, w, m);
    }

    public static List<float[]> images(Dataset d, int h, int w, int max) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(max, d.size()); i++) {
            Sample s = d.load(i);
            out.add(Transforms.resizeTo(s, h, w).image());
        }
        return out;
    }

    /** Share of the images (N, 3, h, w) in [0, 1] judged as class {@code wanted}. */
    public double share(NDArray images, int wanted) {
        int[] p = classifier.predict(images);
        long hits = java.util.Arrays.stream(p).filter(v -> v == wanted).count();
        return (double) hits / p.length;
    }

    /** Accuracy on held-out labelled images. */
    public double accuracy(List<float[]> images, int label) {
        float[] x = new float[images.size() * 3 * h * w];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, x, i * 3 * h * w, 3 * h * w);
        }
        try (NDManager sub = manager.newSubManager()) {
            return share(Tensors.create(sub, x, new Shape(images.size(), 3, h, w)), label);
        }
    }
}
