package org.diffuda.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Sample;
import org.diffuda.diffusion.prior.CaptionedImages;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.Finetuning;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tune a pipeline's U-Net (and optionally its text encoder) on captioned images; writes OUT/pipeline.",
        subcommands = FinetuneCommand.Unet.class)
public final class FinetuneCommand extends FinetuneBase {

    /**
     * {@code finetune unet}: a domain U-Net (U-Net swap's U_src / U_tgt): the U-Net alone trains, the
     * text encoder stays frozen; OUT/unet (diffusers layout) beside OUT/pipeline.
     */
    @Command(name = "unet", mixinStandardHelpOptions = true,
            description = "Fine-tune only the U-Net on a domain's images (text encoder frozen); writes OUT/unet and OUT/pipeline.")
    public static final class Unet extends FinetuneBase {
        @Override
        public void run() {
            if (trainTextEncoder) {
                throw new DiffudaException("--train-text-encoder: finetune unet keeps the text encoder frozen; use finetune");
            }
            super.run();
        }

        @Override
        void done(Path pipelineOut) {
            org.diffuda.util.AtomicFiles.copyTree(pipelineOut.resolve("unet"), out.resolve("unet"));
            System.out.println("U-Net written to " + out.resolve("unet"));
        }
    }
}
