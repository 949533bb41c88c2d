package org.diffuda.data;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What to do with a bad file: fail (default) or, with --skip-bad, warn and count it. */
public final class BadInput {
    private static final Logger LOG = LoggerFactory.getLogger(BadInput.class);
    private final boolean skip;
    private final AtomicInteger skipped = new AtomicInteger();
    private final java.util.Set<java.nio.file.Path> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public BadInput(boolean skip) {
        this.skip = skip;
    }

    public static BadInput strict() {
        return new BadInput(false);
    }

    public boolean skipping() {
        return skip;
    }

    public void report(DataException e) {
        if (!skip) {
            throw e;
        }
        // a file is counted (and warned about) once, however often a sampler draws it
        if (e.file() == null || seen.add(e.file())) {
            skipped.incrementAndGet();
            LOG.warn("skipped bad input: {}", e.getMessage());
        }
    }

    public int skipped() {
        return skipped.get();
    }
}
