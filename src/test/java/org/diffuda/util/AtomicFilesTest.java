package org.diffuda.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a kill -9 can leave beside a folder written by AtomicFiles, and how it is repaired. */
class AtomicFilesTest {
    /** A pid no process has (Linux pids stay below 2^22). */
    static final long DEAD = 9_999_999L;

    @Test
    void killedBetweenTheTwoRenamesTheOldCopyComesBack(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("checkpoint");
        AtomicFiles.write(target, d -> {
            Files.createDirectories(d);
            Files.writeString(d.resolve("state.json"), "{\"iteration\": 3}");
        });
        // the state a kill leaves after "target → .old" and before ".tmp → target"
        Files.move(target, tmp.resolve(".checkpoint.old-" + DEAD));
        Files.createDirectories(tmp.resolve(".checkpoint.tmp-" + DEAD));
        Files.writeString(tmp.resolve(".checkpoint.tmp-" + DEAD).resolve("state.json"), "{\"iteration\": 4}");
        assertTrue(AtomicFiles.recover(target));
        assertEquals("{\"iteration\": 3}", Files.readString(target.resolve("state.json")));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporaries left");
        }
    }

    @Test
    void aNewWriteCleansOrphansOfKilledWriters(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("model");
        Files.createDirectories(tmp.resolve(".model.tmp-" + DEAD));
        Files.writeString(tmp.resolve(".model.tmp-" + DEAD).resolve("half.bin"), "x");
        AtomicFiles.writeString(target, "complete");
        AtomicFiles.writeString(target, "complete again");
        assertEquals("complete again", Files.readString(target));
        assertFalse(Files.exists(tmp.resolve(".model.tmp-" + DEAD)));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
    }
}
