package org.diffuda.cli;

import java.nio.file.Path;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Option;

/**
 * {@code --height}/{@code --width} of the commands that train a pipeline's part at another image
 * size than the pipeline's own (diffusers' {@code --resolution}): e.g. at the benchmark's 64×128
 * for {@code --at-source-size} transfers. The written configs keep the base's sample sizes, as
 * diffusers' training scripts do; a pipeline call names its size.
 */
final class TrainSizeOptions {
    @Option(names = "--height", converter = Ranges.Count.class,
            description = "Image height to train at (default: the pipeline's; a multiple of 8, e.g. twice it for --at-source-size transfers).")
    Integer height;
    @Option(names = "--width", converter = Ranges.Count.class, description = "Image width to train at (default: the pipeline's; a multiple of 8).")
    Integer width;

    /** {height, width}, or null for the pipeline's own size; refuses half a size or one the latents cannot tile. */
    int[] size() {
        if ((height == null) != (width == null)) {
            throw new DiffudaException("--height and --width go together");
        }
        if (height == null) {
            return null;
        }
        if (height % 8 != 0 || width % 8 != 0) {
            throw new DiffudaException("--height " + height + " --width " + width + ": each must be a multiple of 8");
        }
        return new int[] {height, width};
    }

    /** {@link #size()}, or the pipeline folder's own size. */
    int[] sizeOr(Path pipeline) {
        int[] s = size();
        return s != null ? s : org.diffuda.diffusion.pipelines.TextToImage.imageSize(pipeline);
    }
}
