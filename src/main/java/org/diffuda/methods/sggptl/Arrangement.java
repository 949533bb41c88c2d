package org.diffuda.methods.sggptl;

import java.util.Random;

/** How LCG and GSG steps are arranged over the n reverse steps (Peng et al., Table 5). */
public enum Arrangement {
    /** LCG, GSG, LCG, ... (the paper's default). */
    ALTERNATE,
    /** n/2 LCG steps, then n/2 GSG steps. */
    LOCAL_THEN_GLOBAL,
    GLOBAL_THEN_LOCAL,
    /** Each step LCG or GSG with equal probability (seeded). */
    RANDOM,
    /** Ablation "w/o GSG". */
    LOCAL_ONLY,
    /** Ablation "w/o LCG". */
    GLOBAL_ONLY;

    /** True when step {@code index} of {@code steps} is a local (LCG) step. */
    public boolean local(int index, int steps, Random random) {
        return switch (this) {
            case ALTERNATE -> index % 2 == 0;
            case LOCAL_THEN_GLOBAL -> index < (steps + 1) / 2;
            case GLOBAL_THEN_LOCAL -> index >= steps / 2;
            case RANDOM -> random.nextBoolean();
            case LOCAL_ONLY -> true;
            case GLOBAL_ONLY -> false;
        };
    }

    public static Arrangement parse(String s) {
        return switch (s) {
            case "alternate" -> ALTERNATE;
            case "local-then-global" -> LOCAL_THEN_GLOBAL;
            case "global-then-local" -> GLOBAL_THEN_LOCAL;
            case "random" -> RANDOM;
            case "local" -> LOCAL_ONLY;
            case "global" -> GLOBAL_ONLY;
            default -> throw new org.diffuda.util.DiffudaException("--guidance " + s
                    + ": expected local, global, alternate, local-then-global, global-then-local or random");
        };
    }
}
