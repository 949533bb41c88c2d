package org.diffuda.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.Configs;
import picocli.CommandLine.Option;

/** The DAFormer self-training switches, shared by every command that runs the UDA engine. */
public final class UdaOptions {
    @Option(names = "--alpha", converter = Ranges.Probability.class, description = "EMA teacher decay (default: 0.999; 0: teacher = student).")
    Double alpha;
    @Option(names = "--pseudo-threshold", converter = Ranges.Probability.class, description = "Confidence threshold of the pseudo-label weight (default: 0.968).")
    Double pseudoThreshold;
    @Option(names = "--rcs-temperature", converter = Ranges.NonNegativeReal.class, description = "Rare Class Sampling temperature (default: 0.01; 0: off).")
    Double rcsTemperature;
    @Option(names = "--fd-lambda", converter = Ranges.NonNegativeReal.class,
            description = "Weight of the ImageNet feature distance (default: 0.005 for --profile daformer, 0 embedded: no pretrained encoder).")
    Double fdLambda;
    @Option(names = "--no-classmix", description = "Ablation: the target image alone with its pseudo-labels.")
    boolean noClassMix;
    @Option(names = "--no-jitter", description = "Ablation: no colour jitter on the mixed images.")
    boolean noJitter;
    @Option(names = "--no-blur", description = "Ablation: no Gaussian blur on the mixed images.")
    boolean noBlur;

    /** The profile's UDA recipe (DAFormer's for --profile daformer, else the embedded one) with these overrides. */
    UdaConfig config(SegOptions seg) {
        UdaConfig base = seg.profile.equals("daformer") ? UdaConfig.daformer() : UdaConfig.embedded();
        Map<String, Object> o = new LinkedHashMap<>();
        TrainConfig t = seg.train();
        if (seg.profile.equals("small") && seg.iters == null) {
            t = t.withIterations(base.train().iterations());
        }
        o.put("train", t);
        if (alpha != null) {
            o.put("alpha", alpha);
        }
        if (pseudoThreshold != null) {
            o.put("pseudo_threshold", pseudoThreshold);
        }
        if (rcsTemperature != null) {
            o.put("rcs_temperature", rcsTemperature);
        }
        if (fdLambda != null) {
            o.put("fd_lambda", fdLambda);
        }
        o.put("class_mix", !noClassMix);
        o.put("color_jitter", !noJitter);
        o.put("blur", !noBlur);
        return Configs.with(base, o);
    }
}
