package org.diffuda.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.methods.datum.DreamBoothConfig;
import org.diffuda.methods.datum.GenerationConfig;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Option;

/** DATUM's options, shared by personalize dreambooth, generate datum and adapt datum. */
final class DatumOptions {
    private DatumOptions() {}

    static void recipe(String r) {
        if (!r.equals("embedded") && !r.equals("datum")) {
            throw new DiffudaException("--recipe '" + r + "': expected embedded (the shipped prior) or datum (the paper's, for Stable Diffusion)");
        }
    }

    /** DreamBooth personalisation. */
    static final class Personalize {
        @Option(names = "--recipe", defaultValue = "embedded",
                description = "Defaults: embedded (the shipped prior) or datum (the paper's for Stable Diffusion: lr 5e-6, 512 crops). Default: ${DEFAULT-VALUE}.")
        String recipe;
        @Option(names = "--steps", converter = Ranges.Count.class, description = "DreamBooth steps (embedded 400, datum 200).")
        Integer steps;
        @Option(names = "--token", description = "The rare identifier V* (default: sks); added to the tokenizer only if it is not one token.")
        String token;
        @Option(names = "--prompt", description = "Instance prompt, holding the token (default: \"a photo of a sks urban scene\").")
        String prompt;
        @Option(names = "--no-train-text-encoder", description = "Freeze the text encoder (DATUM's code tunes it).")
        boolean noTrainTextEncoder;
        @Option(names = "--prior-preservation", description = "DreamBooth's class-prior loss with images of --class-prompt from the base model (DATUM: off).")
        boolean priorPreservation;
        @Option(names = "--class-prompt", description = "Class prompt of prior preservation (default: \"a photo of an urban scene\").")
        String classPrompt;
        @Option(names = "--class-images", converter = Ranges.Count.class, description = "Class images for prior preservation (default: 100).")
        Integer classImages;
        @Option(names = "--save-at", split = ",", converter = Ranges.Count.class,
                description = "Also write a loadable pipeline at these steps (OUT/step-N), e.g. 100,400.")
        List<Integer> saveAt;

        /** @param lr the command's learning-rate option (--lr, or --dreambooth-lr beside a segmenter's --lr), or null */
        DreamBoothConfig config(Double lr) {
            recipe(recipe);
            DreamBoothConfig b = recipe.equals("datum") ? DreamBoothConfig.datum() : DreamBoothConfig.embedded();
            Map<String, Object> o = new LinkedHashMap<>();
            put(o, "steps", steps);
            put(o, "lr", lr);
            put(o, "token", token);
            if (token != null && prompt == null) {
                o.put("instance_prompt", b.instancePrompt().replace(b.token(), token));
            }
            put(o, "instance_prompt", prompt);
            o.put("train_text_encoder", !noTrainTextEncoder);
            o.put("prior_preservation", priorPreservation);
            put(o, "class_prompt", classPrompt);
            put(o, "class_images", classImages);
            put(o, "save_at", saveAt);
            return Configs.with(b, o).check();
        }
    }

    /** Generation of the synthetic target set. */
    static final class Generate {
        @Option(names = "--count", converter = Ranges.Count.class, description = "Images to generate (embedded 800 = real/train; datum 2975 = Cityscapes train).")
        Integer count;
        @Option(names = "--classes", description = "Prompts: things (10 thing classes, DATUM), things+stuff (all 19), scene (the instance prompt alone).")
        String classes;
        @Option(names = "--template", description = "Class prompt with {token} and {cls} (default: \"a photo of a {token} {cls}\").")
        String template;
        @Option(names = "--gen-steps", converter = Ranges.Count.class, description = "DDIM steps (embedded 20, datum 50).")
        Integer steps;
        @Option(names = "--guidance", converter = Ranges.NonNegativeReal.class, description = "Classifier-free guidance (embedded 4, datum 7.5).")
        Double guidance;
        @Option(names = "--gen-batch", converter = Ranges.Count.class, description = "Images denoised together (default: 50 embedded, 8 datum).")
        Integer batch;

        GenerationConfig config(String recipe) {
            recipe(recipe);
            GenerationConfig b = recipe.equals("datum") ? GenerationConfig.datum() : GenerationConfig.embedded();
            Map<String, Object> o = new LinkedHashMap<>();
            put(o, "count", count);
            put(o, "classes", classes);
            put(o, "template", template);
            put(o, "steps", steps);
            put(o, "guidance", guidance);
            put(o, "batch", batch);
            GenerationConfig g = Configs.with(b, o);
            if (!List.of("things", "things+stuff", "scene").contains(g.classes())) {
                throw new DiffudaException("--classes '" + g.classes() + "': expected things, things+stuff or scene");
            }
            return g;
        }
    }

    private static void put(Map<String, Object> o, String k, Object v) {
        if (v != null) {
            o.put(k, v);
        }
    }
}
