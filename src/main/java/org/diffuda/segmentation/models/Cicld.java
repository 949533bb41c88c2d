package org.diffuda.segmentation.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;
import org.diffuda.util.Generator;

/**
 * CICLD's segmenter (Yu et al.; ../shared/specs/cicld.md): image x → encoder E → latent z₀ →
 * forward diffusion to z_T → conditioned denoising U-Net ε_θ over the chain's DDIM steps → z̄₀ →
 * decoder D with the inter-coder skip (E's features concatenated at each scale) → 1×1
 * classifier {@code decode_head.conv_seg}.
 *
 * <p>Conditioning: the mask encoder f_mask turns a label map into a vector c; at the U-Net's
 * middle, features o become ô = o + σ(o·cᵀ)·c — per location, the sigmoid of the dot product of
 * o with c gates how much of c is added. c = 0 (no label) leaves o unchanged, which is how the
 * model runs unconditioned. As a plain {@link Segmenter} ({@code train-seg}, the evaluator) it
 * runs unconditioned; a method conditions it through {@link #forward(NDArray, NDArray, Generator, boolean)}.
 *
 * <p>Noise: a method passes its generator; the plain segmenter path draws from libtorch's
 * generator in training (the trainer seeds it per iteration, as for dropout) and from the fixed
 * generator "cicld inference noise" at inference, so predictions are deterministic.
 */
public final class Cicld extends Segmenter {
    /** One pass: logits at the input size (bilinear from E's first scale), E's features shallow to deep, z₀, and the U-Net encoder's pooled features at each denoising step. */
    public record Pass(NDArray logits, List<NDArray> encoderFeatures, NDArray z0, List<NDArray> unetFeatures) {}

    private final CicldModelConfig c;
    private final Conv2d encIn;
    private final List<AutoencoderKL.Level> encBlocks = new ArrayList<>();
    private final GroupNorm encNormOut;
    private final Conv2d encOut;
    private final UNet2DModel unet;
    private final MaskEncoder mask;
    private final Conv2d decIn;
    private final List<AutoencoderKL.Level> decBlocks = new ArrayList<>();
    private final GroupNorm decNormOut;
    private final Conv2d convSeg;
    private final Scheduler scheduler;

    public Cicld(SegModelConfig config) {
        super(config);
        this.c = config.cicld() == null ? CicldModelConfig.small() : config.cicld();
        List<Integer> ch = c.encoderChannels();
        if (ch.isEmpty() || c.unet().inChannels() != c.latentChannels() || c.unet().outChannels() != c.latentChannels()) {
            throw new IllegalArgumentException("cicld: encoder_channels must not be empty and the U-Net's in/out channels must be latent_channels "
                    + c.latentChannels());
        }
        if (c.strength() <= 0 || c.strength() > 1 || c.inferenceSteps() < 1 || Math.floor(c.inferenceSteps() * c.strength()) < 1) {
            throw new IllegalArgumentException("cicld: strength " + c.strength() + " of " + c.inferenceSteps()
                    + " inference steps runs no denoising step");
        }
        int g = c.normNumGroups();
        float eps = 1e-6f;
        int levels = ch.size();
        if (c.stemStride() != 1 && c.stemStride() != 2) {
            throw new IllegalArgumentException("cicld: stem_stride " + c.stemStride() + ": expected 1 or 2");
        }
        encIn = child("encoder.conv_in", new Conv2d(3, ch.get(0), 3, c.stemStride(), 1));
        ModuleList down = new ModuleList();
        for (int i = 0; i < levels; i++) {
            encBlocks.add(new AutoencoderKL.Level(i == 0 ? ch.get(0) : ch.get(i - 1), ch.get(i), c.layersPerBlock(), i < levels - 1, true, g, eps));
            down.add(encBlocks.get(i));
        }
        child("encoder.down_blocks", down);
        int top = ch.get(levels - 1);
        encNormOut = child("encoder.conv_norm_out", new GroupNorm(g, top, eps));
        encOut = child("encoder.conv_out", Conv2d.same(top, c.latentChannels(), 3));
        unet = child("unet", new UNet2DModel(c.unet()));
        mask = child("mask_encoder", new MaskEncoder(config.numClasses(), c.maskChannels(), midChannels()));
        decIn = child("decoder.conv_in", Conv2d.same(c.latentChannels(), top, 3));
        ModuleList up = new ModuleList();
        for (int k = 0; k < levels; k++) {
            int i = levels - 1 - k;
            int in = (k == 0 ? top : ch.get(i + 1)) + (c.skip() ? ch.get(i) : 0);
            decBlocks.add(new AutoencoderKL.Level(in, ch.get(i), c.layersPerBlock(), i > 0, false, g, eps));
            up.add(decBlocks.get(k));
        }
        child("decoder.up_blocks", up);
        decNormOut = child("decoder.conv_norm_out", new GroupNorm(g, ch.get(0), eps));
        convSeg = child("decode_head.conv_seg", new Conv2d(ch.get(0), config.numClasses(), 1, 1, 0));
        scheduler = Scheduler.create(c.scheduler());
    }

    public CicldModelConfig cicldConfig() {
        return c;
    }

    public UNet2DModel unet() {
        return unet;
    }

    /** Channels of the U-Net's middle features (the size of c and of the discriminator's input). */
    public int midChannels() {
        List<Integer> uch = c.unet().blockOutChannels();
        return uch.get(uch.size() - 1);
    }

    /** The timesteps of the denoising chain: the last floor(n·strength) of the n-step DDIM schedule. */
    public int[] chain() {
        return DiffusionSampler.img2imgTimesteps(scheduler, c.inferenceSteps(), c.strength());
    }

    /** E: images in [0, 1] → (E's features at each scale, shallow to deep; z₀). */
    public NDArray[] encode(NDArray images, boolean training) {
        NDArray h = encIn.forward(normalize(images), training);
        NDArray[] out = new NDArray[encBlocks.size() + 1];
        for (int i = 0; i < encBlocks.size(); i++) {
            h = encBlocks.get(i).resnets(h, training);
            out[i] = h;
            h = encBlocks.get(i).resample(h, training);
        }
        out[encBlocks.size()] = encOut.forward(Ops.silu(encNormOut.forward(h, training)), training);
        return out;
    }

    /** f_mask: label maps (N, H, W) int64 train ids (255: none) → c (N, C_mid); a map of only 255 gives c = f_mask(0). */
    public NDArray condition(NDArray labels, boolean training) {
        return mask.apply(LayoutCondition.encode(labels, "onehot"), training);
    }

    /** ô = o + σ(o·cᵀ)·c at every location: o (N, C, h, w), c (N, C). */
    public static NDArray gate(NDArray o, NDArray cond) {
        NDArray cc = cond.expandDims(2).expandDims(3);
        NDArray dot = o.mul(cc).sum(new int[] {1}, true);
        return o.add(dot.getNDArrayInternal().sigmoid().mul(cc));
    }

    /** ε_θ(z_t, t | c): c null (or the model built without conditioning) runs unconditioned; {@code features} collects the U-Net encoder's pooled features. */
    public NDArray epsilon(NDArray zt, int[] t, NDArray cond, List<NDArray> features, boolean training) {
        float[] tf = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            tf[i] = t[i];
        }
        boolean gated = cond != null && c.condition();
        return unet.predict(zt, tf, (enc, o) -> {
            if (features != null) {
                features.add(enc.mean(new int[] {3}).mean(new int[] {2}));
            }
            return gated ? gate(o, cond) : o;
        }, training);
    }

    /** D and f_cls: z̄₀ and E's features → logits (N, K, h, w) at E's first scale. */
    public NDArray decode(NDArray z, NDArray[] encoderFeatures, boolean training) {
        NDArray h = decIn.forward(z, training);
        int levels = decBlocks.size();
        for (int k = 0; k < levels; k++) {
            if (c.skip()) {
                h = NDArrays.concat(new NDList(h, encoderFeatures[levels - 1 - k]), 1);
            }
            h = decBlocks.get(k).apply(h, training);
        }
        return convSeg.forward(Ops.silu(decNormOut.forward(h, training)), training);
    }

    /**
     * The segmenter path with condition {@code cond} (N, C_mid) or null, noise from {@code noise}
     * (null: libtorch's generator): z_T = √ᾱ z₀ + √(1−ᾱ) ε at the chain's first timestep, DDIM
     * (η = 0) over the chain, z̄₀ the last step's x̂₀, then D.
     */
    public Pass forward(NDArray images, NDArray cond, Generator noise, boolean training) {
        NDArray[] enc = encode(images, training);
        NDArray z0 = enc[enc.length - 1];
        List<NDArray> feats = new ArrayList<>();
        NDArray x0 = denoise(z0, cond, noise, feats, training);
        NDArray logits = decode(x0, enc, training);
        long[] hw = images.getShape().getShape();
        if (logits.getShape().get(2) != hw[2] || logits.getShape().get(3) != hw[3]) {
            logits = Ops.resize(logits, hw[2], hw[3], Ops.BILINEAR);
        }
        return new Pass(logits, new ArrayList<>(java.util.Arrays.asList(enc).subList(0, enc.length - 1)), z0, feats);
    }

    /** Forward diffusion of z₀ to the chain's first timestep, then the conditioned DDIM chain; returns z̄₀. */
    public NDArray denoise(NDArray z0, NDArray cond, Generator noise, List<NDArray> features, boolean training) {
        int[] ts = chain();
        Shape shape = z0.getShape();
        NDArray eps = noise == null ? z0.getManager().randomNormal(shape) : noise.randn(z0.getManager(), shape);
        NDArray z = scheduler.addNoise(z0, eps, ts[0]);
        NDArray x0 = z;
        int[] tb = new int[(int) shape.get(0)];
        for (int t : ts) {
            java.util.Arrays.fill(tb, t);
            Scheduler.StepOutput st = scheduler.mean(epsilon(z, tb, cond, features, training), t, z);
            z = st.prevSample();
            x0 = st.predOriginalSample();
        }
        return x0;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public Output run(NDArray images, boolean training) {
        Generator g = training ? null : Generator.of(0, "cicld inference noise");
        Pass p = forward(images, null, g, training);
        List<NDArray> feats = new ArrayList<>(p.encoderFeatures());
        feats.add(p.z0());
        return new Output(p.logits(), feats);
    }

    /**
     * f_mask: the one-hot label map (N, K, H, W) → two 3×3 convolutions with stride 2 and SiLU →
     * global mean → linear to the U-Net's middle width. Trained with the model (no ImageNet here).
     */
    static final class MaskEncoder extends Module {
        private final Conv2d conv1;
        private final Conv2d conv2;
        private final Linear proj;

        MaskEncoder(int classes, int hidden, int out) {
            conv1 = child("conv1", new Conv2d(classes, hidden, 3, 2, 1));
            conv2 = child("conv2", new Conv2d(hidden, out, 3, 2, 1));
            proj = child("proj", new Linear(out, out));
        }

        NDArray apply(NDArray onehot, boolean training) {
            NDArray h = Ops.silu(conv1.forward(onehot, training));
            h = Ops.silu(conv2.forward(h, training));
            return proj.forward(h.mean(new int[] {3}).mean(new int[] {2}), training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }
}
