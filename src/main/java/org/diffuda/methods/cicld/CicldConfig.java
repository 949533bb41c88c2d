package org.diffuda.methods.cicld;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;

/**
 * CICLD's training objective on top of the UDA engine (the architecture is the segmenter's
 * {@link org.diffuda.segmentation.models.CicldModelConfig}).
 *
 * @param adversarial     "3-class" (source 0 / mixed 1 / target 2; the encoder pushed toward the uniform
 *                        distribution), "2-class" (source 0 / target 1; the encoder trained to make target look
 *                        like source, AdaptSegNet's game) or "none"
 * @param advWeight       weight of the encoder's adversarial term
 * @param difWeight       weight of L_dif (ε-MSE of the U-Net on detached latents of source, mixed and target)
 * @param discHidden      the discriminator's hidden width (FC 1024 → FC 3)
 * @param condDrop        probability that a training example runs unconditioned (c = 0), so the model knows that path
 * @param testCondition   "teacher": at inference the EMA student is conditioned on the trained (teacher) model's
 *                        unconditioned prediction; "none": the EMA student unconditioned
 * @param winAccuracy     discriminator accuracy over the last tenth of training at which the run is reported as
 *                        one the discriminator won outright
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CicldConfig(
        @JsonProperty("adversarial") String adversarial,
        @JsonProperty("adv_weight") double advWeight,
        @JsonProperty("dif_weight") double difWeight,
        @JsonProperty("disc_hidden") int discHidden,
        @JsonProperty("cond_drop") double condDrop,
        @JsonProperty("test_condition") String testCondition,
        @JsonProperty("win_accuracy") double winAccuracy) {

    public static final List<String> ADVERSARIAL = List.of("3-class", "2-class", "none");
    public static final List<String> TEST_CONDITIONS = List.of("teacher", "none");

    public static CicldConfig defaults() {
        return new CicldConfig("3-class", 1.0, 1.0, 1024, 0.1, "teacher", 0.95);
    }

    public CicldConfig check() {
        if (!ADVERSARIAL.contains(adversarial)) {
            throw new DiffudaException("--adversarial " + adversarial + ": expected one of " + String.join(", ", ADVERSARIAL));
        }
        if (!TEST_CONDITIONS.contains(testCondition)) {
            throw new DiffudaException("--test-condition " + testCondition + ": expected one of " + String.join(", ", TEST_CONDITIONS));
        }
        if (!(condDrop >= 0 && condDrop <= 1)) {
            throw new DiffudaException("--cond-drop " + condDrop + ": must be in [0, 1]");
        }
        return this;
    }

    public int classes() {
        return adversarial.equals("2-class") ? 2 : 3;
    }

    public CicldConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }
}
