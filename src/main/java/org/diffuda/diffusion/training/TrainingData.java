package org.diffuda.diffusion.training;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.Dataset;
import org.diffuda.data.Loader;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.util.Rng;

/**
 * Where a diffusion trainer's examples come from: x₀ in the model's space and, for text-
 * conditioned models, token ids (caption dropout already applied). Example k depends only on the
 * seed and k, so a resumed run sees what an uninterrupted one would.
 */
public interface TrainingData extends AutoCloseable {
    /**
     * A batch: x₀, token ids, and for DreamBooth's prior preservation the number of leading
     * {@code instances}; the rest are class examples whose loss is added with {@code priorWeight}.
     */
    record Example(NDArray x0, int[][] tokens, int instances, double priorWeight) {
        public Example(NDArray x0, int[][] tokens) {
            this(x0, tokens, (int) x0.getShape().get(0), 0);
        }
    }

    /** Positions the source at an iteration (0 or a resumed checkpoint's). */
    void start(long iteration);

    Example next(NDManager m);

    @Override
    default void close() {}

    /** Example k of a source that depends only on k (so positioning at an iteration is all a resume needs). */
    interface ByIteration {
        Example example(NDManager m, long k);
    }

    static TrainingData byIteration(ByIteration source) {
        return new TrainingData() {
            long it;

            @Override
            public void start(long iteration) {
                it = iteration;
            }

            @Override
            public Example next(NDManager m) {
                return source.example(m, it++);
            }
        };
    }

    /** Images from datasets, scaled to [−1, 1] (pixel-space DDPM). */
    static TrainingData pixels(List<Dataset> data, DiffusionTrainConfig cfg, long seed, BadInput bad) {
        return new TrainingData() {
            Loader loader;

            @Override
            public void start(long iteration) {
                loader = new Loader(data, Loader.epochSampler(data, seed), cfg.batchSize(), DiffusionTrainer.pipeline(cfg),
                        seed, iteration, Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() - 1)), 4, bad);
            }

            @Override
            public Example next(NDManager m) {
                Batch b = loader.next();
                return new Example(Tensors.affine(b.images(m), 2, -1), null);
            }

            @Override
            public void close() {
                if (loader != null) {
                    loader.close();
                }
            }
        };
    }

    /**
     * Cached latents (N, C, h, w) with their token ids; each batch is drawn with replacement,
     * and a caption is replaced by the empty prompt with probability {@code dropout} (for
     * classifier-free guidance).
     */
    static TrainingData latents(float[][] latents, long[] shape, int[][] tokens, int[] emptyTokens, int batch,
                                double dropout, long seed) {
        return byIteration((m, iteration) -> {
            Random r = Rng.random(seed, 0x1A7L, iteration);
            int per = latents[0].length;
            float[] x = new float[batch * per];
            int[][] tk = new int[batch][];
            for (int i = 0; i < batch; i++) {
                int k = r.nextInt(latents.length);
                System.arraycopy(latents[k], 0, x, i * per, per);
                tk[i] = r.nextDouble() < dropout ? emptyTokens : tokens[k];
            }
            return new Example(Tensors.create(m, x, new ai.djl.ndarray.types.Shape(batch, shape[0], shape[1], shape[2])), tk);
        });
    }

    /** Latents of images and of their mirrors, interleaved (image i at 2i, its mirror at 2i+1), with their tokens. */
    record MirroredLatents(float[][] latents, int[][] tokens, long[] shape, double scale) {}

    /**
     * Encodes every image (CHW in [0, 1], all h × w) and its horizontal mirror — the U-Net's flip
     * augmentation, as SD's training scripts cache it — with the mode of q(z|x). With
     * {@code chooseScale} the latents are scaled by 1/std (SD's rule for scaling_factor, returned as
     * {@code scale}); otherwise by the VAE's own scaling_factor.
     */
    static MirroredLatents mirroredLatents(org.diffuda.diffusion.models.AutoencoderKL vae, List<float[]> images, int h, int w,
                                           List<int[]> tokens, boolean chooseScale, NDManager m) {
        return mirroredLatents(vae, images.size(), images::get, h, w, tokens, chooseScale, m);
    }

    /**
     * As above, image i read by {@code images} only when its group is encoded — whole encoder
     * calls' worth ({@link LatentCodec#imagesPerCall}) of images and their mirrors at a time: the calls
     * encoding all at once would make, so the latents are the same bytes — so only the latents of a
     * large set are ever in memory. A progress bar shows a long encoding.
     */
    static MirroredLatents mirroredLatents(org.diffuda.diffusion.models.AutoencoderKL vae, int n, java.util.function.IntFunction<float[]> images,
                                           int h, int w, List<int[]> tokens, boolean chooseScale, NDManager m) {
        // groups of whole encoder calls: 2 × group entries (images and mirrors) is a multiple of the call
        int per = 3 * h * w, call = LatentCodec.imagesPerCall(vae.config(), h, w), group = call % 2 == 0 ? call / 2 : call;
        float[][] lat = new float[2 * n][];
        int[][] tk = new int[2 * n][];
        long[] shape = null;
        // a bar only when there is more than one encoder batch to wait for
        try (org.diffuda.util.Progress bar = n > group ? new org.diffuda.util.Progress("encode latents", n) : null) {
            for (int start = 0; start < n; start += group) {
                int k = Math.min(group, n - start);
                float[] x = new float[2 * k * per];
                for (int i = 0; i < k; i++) {
                    float[] img = images.apply(start + i);
                    if (img.length != per) {
                        throw new IllegalArgumentException("image " + (start + i) + " has " + img.length + " values, expected 3x" + h + "x" + w);
                    }
                    System.arraycopy(img, 0, x, 2 * i * per, per);
                    System.arraycopy(org.diffuda.data.Transforms.flip(new org.diffuda.data.Sample("x", h, w, img, null)).image(), 0, x,
                            (2 * i + 1) * per, per);
                    tk[2 * (start + i)] = tokens.get(start + i);
                    tk[2 * (start + i) + 1] = tokens.get(start + i);
                }
                try (NDManager sub = m.newSubManager()) {
                    NDArray xs = Tensors.create(sub, x, new ai.djl.ndarray.types.Shape(2L * k, 3, h, w));
                    NDArray z = chooseScale ? LatentCodec.encodeUnscaled(vae, xs) : LatentCodec.encode(vae, xs, null);
                    float[] all = z.toFloatArray();
                    int lp = all.length / (2 * k);
                    for (int j = 0; j < 2 * k; j++) {
                        lat[2 * start + j] = java.util.Arrays.copyOfRange(all, j * lp, (j + 1) * lp);
                    }
                    shape = z.getShape().slice(1).getShape();
                }
                if (bar != null) {
                    bar.step(k, null);
                }
            }
        }
        double scale = vae.config().scalingFactor();
        if (chooseScale) {
            scale = LatentCodec.scalingFactor(lat);
            for (int j = 0; j < lat.length; j++) {
                try (NDManager sub = m.newSubManager()) { // one latent's tensors at a time
                    lat[j] = Tensors.mul(Tensors.create(sub, lat[j], new ai.djl.ndarray.types.Shape(lat[j].length)), scale).toFloatArray();
                }
            }
        }
        return new MirroredLatents(lat, tk, shape, scale);
    }

    /**
     * DreamBooth's data (diffusers' train_dreambooth.py): each iteration a random crop of h × w
     * from one instance image (CHW in [0, 1], ih × iw), encoded by the frozen VAE with a sample of
     * q(z|x), captioned {@code instanceTokens}; with class images (prior preservation) one class
     * image per iteration (in turn, with its own caption) follows it in the batch, weighted
     * {@code priorWeight}. Iteration k's
     * crop and posterior noise depend only on the seed and k.
     */
    static TrainingData randomCrops(org.diffuda.diffusion.models.AutoencoderKL vae, float[] image, int ih, int iw, int h, int w,
                                    int[] instanceTokens, List<float[]> classImages, List<int[]> classTokens, double priorWeight,
                                    long seed) {
        if (ih < h || iw < w) {
            throw new IllegalArgumentException("instance image " + ih + "x" + iw + " is smaller than the crop " + h + "x" + w);
        }
        return byIteration((m, k) -> {
            Random r = Rng.random(seed, 0xDB00L, k);
            int y = r.nextInt(ih - h + 1), x = r.nextInt(iw - w + 1);
            int per = 3 * h * w;
            boolean prior = classImages != null && !classImages.isEmpty();
            int n = prior ? 2 : 1;
            float[] px = new float[n * per];
            for (int c = 0; c < 3; c++) {
                for (int yy = 0; yy < h; yy++) {
                    System.arraycopy(image, c * ih * iw + (y + yy) * iw + x, px, c * h * w + yy * w, w);
                }
            }
            int j = prior ? (int) (k % classImages.size()) : 0;
            int[][] tk = prior ? new int[][] {instanceTokens, classTokens.get(j)} : new int[][] {instanceTokens};
            if (prior) {
                System.arraycopy(classImages.get(j), 0, px, per, per);
            }
            try (NDManager sub = m.newSubManager()) {
                NDArray xs = Tensors.create(sub, px, new ai.djl.ndarray.types.Shape(n, 3, h, w));
                NDArray z = org.diffuda.diffusion.pipelines.LatentCodec.encode(vae, xs,
                        org.diffuda.util.Generator.of(seed, "dreambooth posterior", k));
                z.attach(m);
                return new Example(z, tk, 1, prior ? priorWeight : 0);
            }
        });
    }
}
