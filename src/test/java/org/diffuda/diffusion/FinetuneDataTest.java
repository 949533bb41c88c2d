package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.pipelines.LatentCodec;
import org.diffuda.diffusion.training.Finetuning;
import org.diffuda.diffusion.training.TrainingData;
import org.diffuda.nn.Tensors;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning data at real scale: images read one at a time, only latents kept, with the bytes of one big batch. */
class FinetuneDataTest {
    static final int H = 8, W = 16;

    static float[] image(int i) {
        return big(H, W, i);
    }

    /** 70 images: three encoder groups, the last one short. */
    @Test
    void latentsAreEncodedAGroupAtATimeWithTheBytesOfOneBatch() {
        Progress.setQuiet(true);
        Engines.seed(11);
        int n = 70, per = 3 * H * W;
        try (NDManager m = Engines.engine().newBaseManager()) {
            AutoencoderKL vae = new AutoencoderKL(PipelineIoTest.VAE).init(m);
            List<int[]> tokens = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tokens.add(new int[] {i});
            }
            List<Integer> asked = new ArrayList<>();
            TrainingData.MirroredLatents streamed = TrainingData.mirroredLatents(vae, n, i -> {
                asked.add(i);
                return image(i);
            }, H, W, tokens, false, m);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            assertEquals(expected, asked, "each image read once, in order");

            // everything as one batch (image i at 2i, its mirror at 2i + 1)
            float[] all = new float[2 * n * per];
            for (int i = 0; i < n; i++) {
                System.arraycopy(image(i), 0, all, 2 * i * per, per);
                System.arraycopy(Transforms.flip(new Sample("x", H, W, image(i), null)).image(), 0, all, (2 * i + 1) * per, per);
            }
            NDArray x = Tensors.create(m, all, new Shape(2L * n, 3, H, W));
            float[] z = LatentCodec.encode(vae, x, null).toFloatArray();
            int lp = z.length / (2 * n);
            assertEquals(2 * n, streamed.latents().length);
            for (int j = 0; j < 2 * n; j++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(z, j * lp, (j + 1) * lp), streamed.latents()[j], "latent " + j);
                assertArrayEquals(tokens.get(j / 2), streamed.tokens()[j]);
            }
            assertEquals(vae.config().scalingFactor(), streamed.scale());

            // SD's scale rule over all the latents, not over the last group
            TrainingData.MirroredLatents chosen = TrainingData.mirroredLatents(vae, n, FinetuneDataTest::image, H, W, tokens, true, m);
            NDArray raw = LatentCodec.encodeUnscaled(vae, x);
            double scale = LatentCodec.scalingFactor(raw);
            assertEquals(scale, chosen.scale());
            float[] scaled = Tensors.mul(raw, scale).toFloatArray();
            for (int j = 0; j < 2 * n; j++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(scaled, j * lp, (j + 1) * lp), chosen.latents()[j], "scaled latent " + j);
            }
        }
    }

    /** The embedded world's batches stay whole (so its shipped models reproduce); real-scale images go through a few at a time. */
    @Test
    void encoderCallsShrinkWithTheImagesNotAtTheEmbeddedSizes() throws Exception {
        org.diffuda.diffusion.models.AutoencoderKLConfig embedded = org.diffuda.util.Json.MAPPER.readValue(
                Path.of("models/prior/vae/config.json").toFile(), org.diffuda.diffusion.models.AutoencoderKLConfig.class);
        assertEquals(64, LatentCodec.imagesPerCall(embedded, 32, 64));
        assertEquals(64, LatentCodec.imagesPerCall(embedded, 64, 128));
        assertEquals(4, LatentCodec.imagesPerCall(embedded, 256, 512));
        org.diffuda.diffusion.models.AutoencoderKLConfig sd = org.diffuda.diffusion.models.AutoencoderKLConfig.sd15();
        assertEquals(1, LatentCodec.imagesPerCall(sd, 512, 512));
        assertEquals(1, LatentCodec.imagesPerCall(sd, 1024, 2048));
        assertEquals(8, LatentCodec.imagesPerCall(sd, 64, 128));
    }

    /** A dataset that counts its reads. */
    static final class Counting implements Dataset {
        final List<Sample> samples;
        int loads;

        Counting(List<Sample> samples) {
            this.samples = samples;
        }

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public int size() {
            return samples.size();
        }

        @Override
        public String id(int index) {
            return samples.get(index).id();
        }

        @Override
        public Sample load(int index) {
            loads++;
            return samples.get(index);
        }

        @Override
        public boolean labelled() {
            return false;
        }
    }

    @Test
    void cropsAreTheFixedCropsReadOneImageAtATime() {
        List<Sample> samples = List.of(new Sample("a", 20, 40, big(20, 40, 1), null),
                new Sample("b", 6, 12, big(6, 12, 2), null), new Sample("c", 12, 30, big(12, 30, 3), null));
        Counting d = new Counting(samples);
        Finetuning.Examples ex = Finetuning.Examples.of(d, "a street").cropped(3, H, W, 7);
        List<Sample> want = Transforms.fixedCrops(samples, H, W, 3, 7, "finetune crop");
        assertEquals(want.size(), ex.size());
        for (int i = 0; i < ex.size(); i++) {
            Sample got = ex.image(i);
            assertEquals(H, got.height());
            assertEquals(W, got.width());
            assertArrayEquals(want.get(i).image(), got.image(), "crop " + i);
            assertEquals("a street", ex.caption(i));
        }
        assertEquals(3, d.loads, "each image decoded once for its three crops");

        Finetuning.Examples whole = Finetuning.Examples.of(new Counting(samples), "x").cropped(0, H, W, 7);
        assertEquals(3, whole.size());
        assertArrayEquals(samples.get(1).image(), whole.image(1).image());
    }

    static float[] big(int h, int w, int seed) {
        Random r = new Random(seed);
        float[] x = new float[3 * h * w];
        for (int k = 0; k < x.length; k++) {
            x[k] = r.nextFloat();
        }
        return x;
    }

    @Test
    void aCaptionedFolderNamingAMissingFileIsRefusedBeforeAnyImageIsRead(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        org.diffuda.data.Png.write(org.diffuda.data.Png.fromChw(image(0), H, W), tmp.resolve("images/a.png"));
        Files.writeString(tmp.resolve("metadata.jsonl"), "{\"file_name\":\"images/a.png\",\"text\":\"a street\"}\n"
                + "{\"file_name\":\"images/gone.png\",\"text\":\"a car\"}\n");
        DataException e = assertThrows(DataException.class, () -> Finetuning.Examples.captioned(tmp));
        assertTrue(e.getMessage().contains("metadata.jsonl") && e.getMessage().contains("images/gone.png"), e.getMessage());

        Files.writeString(tmp.resolve("metadata.jsonl"), "{\"file_name\":\"images/a.png\",\"text\":\"a street\"}\n");
        Finetuning.Examples ex = Finetuning.Examples.captioned(tmp);
        assertEquals(1, ex.size());
        assertEquals("a street", ex.caption(0));
        assertEquals(H, ex.image(0).height());
        // --crops applies to a captioned folder too, each crop with its image's caption
        Finetuning.Examples crops = ex.cropped(2, 4, 8, 3);
        assertEquals(2, crops.size());
        assertEquals("a street", crops.caption(1));
        assertEquals(4, crops.image(1).height());
        assertEquals(8, crops.image(1).width());
    }
}
