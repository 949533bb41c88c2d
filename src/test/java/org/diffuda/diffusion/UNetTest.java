package org.diffuda.diffusion;

import org.diffuda.training.Trainer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.DiffusionTrainer;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UNetTest {
    static final UNet2DConfig TINY = new UNet2DConfig("UNet2DModel", 16, 3, 3, List.of("DownBlock2D", "AttnDownBlock2D"),
            List.of("AttnUpBlock2D", "UpBlock2D"), List.of(16, 32), 1, 16, 8, 1e-5, true, 0, 0.0, 1);

    @Test
    void unet2dKeysFollowDiffusers() {
        Set<String> keys = ParamNames.of(new UNet2DModel(TINY)).keySet();
        for (String k : List.of("conv_in.weight", "time_embedding.linear_1.weight", "time_embedding.linear_2.bias",
                "down_blocks.0.resnets.0.norm1.weight", "down_blocks.0.resnets.0.time_emb_proj.weight",
                "down_blocks.0.downsamplers.0.conv.weight", "down_blocks.1.resnets.0.conv_shortcut.weight",
                "down_blocks.1.attentions.0.group_norm.weight", "down_blocks.1.attentions.0.to_q.weight",
                "down_blocks.1.attentions.0.to_out.0.bias", "mid_block.attentions.0.to_k.bias", "mid_block.resnets.1.conv2.weight",
                "up_blocks.0.resnets.1.conv_shortcut.weight", "up_blocks.0.attentions.1.to_v.weight",
                "up_blocks.0.upsamplers.0.conv.weight", "up_blocks.1.resnets.1.conv1.weight", "conv_norm_out.weight", "conv_out.bias")) {
            assertTrue(keys.contains(k), k + " not in " + keys);
        }
        assertTrue(keys.stream().noneMatch(k -> k.startsWith("up_blocks.1.upsamplers")), "the last up block does not upsample");
    }

    @Test
    void unetPredictsNoiseShapedOutput() {
        Engines.seed(0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = new UNet2DModel(TINY).init(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 16, 32));
            NDArray y = u.predict(x, new float[] {0, 999}, Conditioning.NONE, false);
            assertEquals(x.getShape(), y.getShape());
        }
    }

    @Test
    void trainingReducesLossAndResumesExactly(@TempDir Path tmp) {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        var data = List.of(Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict()));
        DiffusionTrainConfig c = new DiffusionTrainConfig(40, 4, 16, 32, 3e-3, 0, 1.0, 0.9, 0, 0, 20);
        Scheduler s = Scheduler.create(SchedulerConfig.ddpm());
        List<Trainer.Record> h = new ArrayList<>();
        float[] straight;
        Engines.seed(1);
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = new UNet2DModel(TINY).init(m);
            new DiffusionTrainer(u, s.noise(), "epsilon", c, 1).train(data, tmp.resolve("a"), TINY, BadInput.strict(), 0, h);
            straight = ParamNames.of(u).get("conv_out.weight").getArray().toFloatArray();
        }
        double first = h.subList(0, 8).stream().mapToDouble(Trainer.Record::loss).average().orElseThrow();
        double last = h.subList(32, 40).stream().mapToDouble(Trainer.Record::loss).average().orElseThrow();
        assertTrue(last < first, "loss " + first + " -> " + last);
        for (int run = 0; run < 2; run++) {
            Engines.seed(1);
            try (NDManager m = Engines.engine().newBaseManager()) {
                UNet2DModel u = new UNet2DModel(TINY).init(m);
                new DiffusionTrainer(u, s.noise(), "epsilon", c, 1).train(data, tmp.resolve("b2"), TINY, BadInput.strict(),
                        run == 0 ? 25 : 0, null);
                if (run == 1) {
                    float[] resumed = ParamNames.of(u).get("conv_out.weight").getArray().toFloatArray();
                    for (int i = 0; i < resumed.length; i++) {
                        assertEquals(straight[i], resumed[i], 1e-5f);
                    }
                }
            }
        }
    }

    @Test
    void ddpmSamplingLoopRunsTheTail() {
        Engines.seed(0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = new UNet2DModel(TINY).init(m);
            DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm());
            s.setTailTimesteps(5);
            int[] calls = {0};
            NDArray x = DiffusionSampler.loop(u, s, m.randomNormal(new Shape(1, 3, 16, 32)), s.timesteps(), Conditioning.NONE,
                    null, DiffusionSampler.Options.of(5).withGenerator(org.diffuda.util.Generator.of(0, "test")), new org.diffuda.diffusion.pipelines.SamplingHook() {
                        @Override
                        public NDArray guideMean(int index, int t, NDArray xt, NDArray mean, double variance) {
                            calls[0]++;
                            return mean;
                        }
                    });
            assertEquals(5, calls[0]);
            assertEquals(new Shape(1, 3, 16, 32), x.getShape());
        }
    }
}
