package org.diffuda.diffusion.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;

/**
 * diffusers' AutoencoderKL: an encoder to a diagonal Gaussian over latents (mean, log-variance;
 * sample or mode), quant_conv / post_quant_conv, and a decoder. Latents for diffusion are
 * scaling_factor · z (0.18215 for SD-1.x).
 */
public final class AutoencoderKL extends Module {
    private final AutoencoderKLConfig config;
    private final Coder encoder;
    private final Coder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    public AutoencoderKL(AutoencoderKLConfig c) {
        this.config = c;
        encoder = child("encoder", new Coder(c, true));
        decoder = child("decoder", new Coder(c, false));
        quantConv = child("quant_conv", new Conv2d(2 * c.latentChannels(), 2 * c.latentChannels(), 1, 1, 0));
        postQuantConv = child("post_quant_conv", new Conv2d(c.latentChannels(), c.latentChannels(), 1, 1, 0));
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** (mean, logvar) of q(z | x) for images in [−1, 1]. */
    public NDArray[] encodeDist(NDArray x, boolean training) {
        NDArray moments = quantConv.forward(encoder.apply(x, training), training);
        NDList parts = moments.split(2, 1);
        return new NDArray[] {parts.get(0), parts.get(1).clip(-30, 20)};
    }

    /** Scaled latents: the mode (sample == null) or a sample of q(z | x) drawn from {@code sample}, times scaling_factor. */
    public NDArray encode(NDArray x, org.diffuda.util.Generator sample, boolean training) {
        NDArray[] d = encodeDist(x, training);
        NDArray z = d[0];
        if (sample != null) {
            z = z.add(Tensors.mul(d[1], 0.5).exp().mul(sample.randn(x.getManager(), z.getShape())));
        }
        return Tensors.mul(z, (float) config.scalingFactor());
    }

    /** Images in [−1, 1] from scaled latents. */
    public NDArray decode(NDArray scaledLatents, boolean training) {
        NDArray z = Tensors.div(scaledLatents, (float) config.scalingFactor());
        return decoder.apply(postQuantConv.forward(z, training), training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(decode(encode(inputs.head(), null, training), training));
    }

    /** Encoder or decoder: conv_in, level blocks, mid block, conv_norm_out, conv_out. */
    static final class Coder extends Module {
        private final Conv2d convIn;
        private final List<Level> levels = new ArrayList<>();
        private final UNetBlocks.Mid mid;
        private final GroupNorm normOut;
        private final Conv2d convOut;
        private final boolean encoder;

        Coder(AutoencoderKLConfig c, boolean encoder) {
            this.encoder = encoder;
            List<Integer> ch = c.blockOutChannels();
            int g = c.normNumGroups(), top = ch.get(ch.size() - 1);
            float eps = 1e-6f;
            ModuleList blocks = new ModuleList();
            if (encoder) {
                convIn = child("conv_in", Conv2d.same(c.inChannels(), ch.get(0), 3));
                int out = ch.get(0);
                for (int i = 0; i < ch.size(); i++) {
                    int in = out;
                    out = ch.get(i);
                    Level l = new Level(in, out, c.layersPerBlock(), i < ch.size() - 1, true, g, eps);
                    levels.add(l);
                    blocks.add(l);
                }
                child("down_blocks", blocks);
            } else {
                convIn = child("conv_in", Conv2d.same(c.latentChannels(), top, 3));
                int prev = top;
                for (int i = ch.size() - 1; i >= 0; i--) {
                    Level l = new Level(prev, ch.get(i), c.layersPerBlock() + 1, i > 0, false, g, eps);
                    levels.add(l);
                    blocks.add(l);
                    prev = ch.get(i);
                }
            }
            mid = child("mid_block", new UNetBlocks.Mid(top, 0, UNetBlocks.AttentionSpec.spatial(top), g, eps, 0f));
            if (!encoder) {
                child("up_blocks", blocks);
            }
            int last = encoder ? top : ch.get(0);
            normOut = child("conv_norm_out", new GroupNorm(g, last, eps));
            convOut = child("conv_out", Conv2d.same(last, encoder ? 2 * c.latentChannels() : c.outChannels(), 3));
        }

        NDArray apply(NDArray x, boolean training) {
            NDArray h = convIn.forward(x, training);
            if (encoder) {
                for (Level l : levels) {
                    h = l.apply(h, training);
                }
                h = mid.apply(h, null, null, training);
            } else {
                h = mid.apply(h, null, null, training);
                for (Level l : levels) {
                    h = l.apply(h, training);
                }
            }
            return convOut.forward(Ops.silu(normOut.forward(h, training)), training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }

    /** DownEncoderBlock2D / UpDecoderBlock2D: resnets without time embedding, then a resampler. */
    public static final class Level extends Module {
        private final ModuleList resnets = new ModuleList();
        private final Resample resample;

        public Level(int in, int out, int layers, boolean resample, boolean down, int g, float eps) {
            for (int i = 0; i < layers; i++) {
                resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, g, eps, 0f));
            }
            child("resnets", resnets);
            if (resample) {
                this.resample = down ? Resample.downAsymmetric(out) : Resample.up(out);
                child(down ? "downsamplers" : "upsamplers", new ModuleList().add(this.resample));
            } else {
                this.resample = null;
            }
        }

        public NDArray apply(NDArray x, boolean training) {
            return resample(resnets(x, training), training);
        }

        /** The ResNet blocks alone (a U-shaped model takes its skip features here). */
        public NDArray resnets(NDArray x, boolean training) {
            for (Module r : resnets.items()) {
                x = ((ResnetBlock2D) r).apply(x, null, training);
            }
            return x;
        }

        /** The resampler alone (identity on a level without one). */
        public NDArray resample(NDArray x, boolean training) {
            return resample == null ? x : resample.apply(x, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }
}
