package org.diffuda.cli;

import java.nio.file.Path;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Command;

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
