package org.diffuda.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    static final int H = 4, W = 6;

    private static void good(Path root, String name) throws Exception {
        Fixtures.rgb(root.resolve("images/" + name), H, W, 1);
        Fixtures.grey(root.resolve("labels/" + name), Fixtures.fill(H * W, 1, 2), H, W);
    }

    @Test
    void missingPartnerNamesTheFile(@TempDir Path root) throws Exception {
        good(root, "a.png");
        Fixtures.rgb(root.resolve("images/b.png"), H, W, 1);
        DataException e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()));
        assertTrue(e.getMessage().contains("labels/b.png") && e.getMessage().contains("missing label"), e.getMessage());
        BadInput skip = new BadInput(true);
        assertEquals(1, Datasets.open(root.toString(), skip).size());
        assertEquals(1, skip.skipped());
    }

    @Test
    void sizeMismatchNamesTheLabel(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("images/a.png"), H, W, 1);
        Fixtures.grey(root.resolve("labels/a.png"), new int[(H + 1) * W], H + 1, W);
        DataException e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()).load(0));
        assertTrue(e.getMessage().contains("labels/a.png") && e.getMessage().contains("6x5"), e.getMessage());
    }

    @Test
    void truncatedPngNamesTheFile(@TempDir Path root) throws Exception {
        good(root, "a.png");
        Path img = root.resolve("images/a.png");
        byte[] bytes = Files.readAllBytes(img);
        Files.write(img, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        DataException e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()).load(0));
        assertTrue(e.getMessage().startsWith(img.toString()) && e.getMessage().contains("truncated PNG"), e.getMessage());
        Files.writeString(img, "not a png");
        e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()).load(0));
        assertTrue(e.getMessage().startsWith(img.toString()), e.getMessage());
    }

    /** A truncated file anywhere in the data fails at open (no sampling luck), or is left out and counted once. */
    @Test
    void headersAreCheckedUpFront(@TempDir Path root) throws Exception {
        for (String n : List.of("a.png", "b.png", "c.png")) {
            good(root, n);
        }
        Path lab = root.resolve("labels/c.png");
        byte[] bytes = Files.readAllBytes(lab);
        Files.write(lab, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        DataException e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()));
        assertTrue(e.getMessage().startsWith(lab.toString()) && e.getMessage().contains("truncated PNG"), e.getMessage());
        BadInput skip = new BadInput(true);
        assertEquals(2, Datasets.open(root.toString(), skip).size());
        assertEquals(1, skip.skipped());
        Fixtures.grey(lab, new int[(H + 1) * W], H + 1, W);
        e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()));
        assertTrue(e.getMessage().contains("6x5") && e.getMessage().contains("c.png"), e.getMessage());
    }

    @Test
    void labelIdOutsideMapping(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("images/a.png"), H, W, 1);
        Fixtures.grey(root.resolve("labels/a.png"), Fixtures.fill(H * W, 1, 19), H, W);
        DataException e = assertThrows(DataException.class, () -> Datasets.open(root.toString(), BadInput.strict()).load(0));
        assertTrue(e.getMessage().contains("labels/a.png") && e.getMessage().contains("label id 19"), e.getMessage());
        Path gta = root.resolve("gta");
        Fixtures.rgb(gta.resolve("images/00001.png"), H, W, 1);
        Fixtures.palette(gta.resolve("labels/00001.png"), Fixtures.fill(H * W, 7, 40), H, W);
        e = assertThrows(DataException.class, () -> Datasets.open("gta5:" + gta, BadInput.strict()).load(0));
        assertTrue(e.getMessage().contains("label id 40") && e.getMessage().contains("cityscapes"), e.getMessage());
    }

    @Test
    void loaderSkipsBadSamplesWhenAskedAndCountsThem(@TempDir Path root) throws Exception {
        good(root, "a.png");
        good(root, "b.png");
        Dataset d = Datasets.open(root.toString(), BadInput.strict());
        Files.writeString(root.resolve("images/b.png"), "garbage"); // broken after the up-front check
        BadInput skip = new BadInput(true);
        try (Loader l = new Loader(List.of(d), Loader.epochSampler(List.of(d), 1), 2, (s, r) -> s, 1, 0, 1, 1, skip)) {
            for (int i = 0; i < 3; i++) {
                Batch b = l.next();
                assertEquals(2, b.size());
                assertTrue(b.samples().stream().allMatch(s -> s.id().equals("a")));
            }
        }
        assertEquals(1, skip.skipped(), "one bad file, counted once however often it is drawn");
        try (Loader l = new Loader(List.of(d), Loader.epochSampler(List.of(d), 1), 2, (s, r) -> s, 1, 0, 1, 1, BadInput.strict())) {
            assertThrows(DataException.class, l::next);
        }
    }

    @Test
    void unknownDatasetKind() {
        var e = assertThrows(org.diffuda.util.DiffudaException.class, () -> Datasets.open("kitti:/x", BadInput.strict()));
        assertTrue(e.getMessage().contains("unknown kind 'kitti'"));
    }

    /** A method's data option: an unlabelled folder is refused by that option's name, and a broken one names option and file. */
    @Test
    void labelledDataIsCheckedByItsOption(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("u/images/a.png"), H, W, 1);
        Path unlabelled = root.resolve("u");
        var e = assertThrows(org.diffuda.util.DiffudaException.class,
                () -> Datasets.openLabelled("--source", unlabelled.toString(), BadInput.strict()));
        assertEquals("--source " + unlabelled + ": has no labels (found no label folder)", e.getMessage());
        assertEquals(1, Datasets.open("--target", unlabelled.toString(), BadInput.strict()).size());
        good(root.resolve("l"), "a.png");
        assertEquals(1, Datasets.openLabelled("--source", root.resolve("l").toString(), BadInput.strict()).size());
        Fixtures.rgb(root.resolve("l/images/b.png"), H, W, 1);
        e = assertThrows(org.diffuda.util.DiffudaException.class,
                () -> Datasets.openLabelled("--source", root.resolve("l").toString(), BadInput.strict()));
        assertTrue(e.getMessage().startsWith("--source ") && e.getMessage().contains("labels/b.png"), e.getMessage());
        e = assertThrows(org.diffuda.util.DiffudaException.class, () -> Datasets.open("--val", "kitti:/x", BadInput.strict()));
        assertTrue(e.getMessage().startsWith("--val dataset 'kitti:/x'"), e.getMessage());
    }
}
