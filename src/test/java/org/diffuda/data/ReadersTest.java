package org.diffuda.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadersTest {
    static final int H = 4, W = 6;

    @Test
    void cityscapesMapsLabelIdsToTrainIds(@TempDir Path root) throws Exception {
        Path img = root.resolve("leftImg8bit/val/aachen/aachen_000000_000019_leftImg8bit.png");
        Fixtures.rgb(img, H, W, 1);
        // road 7, sidewalk 8, car 26, bicycle 33, unlabeled 0, license-plate-ish 4 (void)
        Fixtures.grey(root.resolve("gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png"),
                Fixtures.fill(H * W, 7, 8, 26, 33, 0, 4), H, W);
        Dataset d = Datasets.open("cityscapes:" + root + "#val", BadInput.strict());
        assertEquals(1, d.size());
        assertEquals("aachen_000000_000019", d.id(0));
        Sample s = d.load(0);
        assertArrayEquals(Fixtures.fill(H * W, 0, 1, 13, 18, 255, 255), s.label());
        assertEquals(H, s.height());
        assertEquals(W, s.width());
    }

    @Test
    void cityscapesWithoutGtIsUnlabelled(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("leftImg8bit/test/berlin/berlin_000000_000019_leftImg8bit.png"), H, W, 1);
        Dataset d = Datasets.open("cityscapes:" + root + "#test", BadInput.strict());
        assertFalse(d.labelled());
        assertNull(d.load(0).label());
    }

    @Test
    void gta5ReadsPaletteIndicesNotColours(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("images/00001.png"), H, W, 2);
        Fixtures.palette(root.resolve("labels/00001.png"), Fixtures.fill(H * W, 7, 11, 23, 24, 27, 28), H, W);
        Sample s = Datasets.open("gta5:" + root, BadInput.strict()).load(0);
        assertArrayEquals(Fixtures.fill(H * W, 0, 2, 10, 11, 14, 15), s.label());
    }

    @Test
    void synthiaReads16BitFirstChannel(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("RGB/0000000.png"), H, W, 3);
        // SYNTHIA ids: 3 road, 21 wall, 8 car, 12 motorcycle, 13 parking-slot (void), 1 sky; instance ids large
        Fixtures.rgb16(root.resolve("GT/LABELS/0000000.png"), Fixtures.fill(H * W, 3, 21, 8, 12, 13, 1),
                Fixtures.fill(H * W, 1000, 40000, 7), H, W);
        Sample s = Datasets.open("synthia:" + root, BadInput.strict()).load(0);
        assertArrayEquals(Fixtures.fill(H * W, 0, 3, 13, 17, 255, 10), s.label());
    }

    @Test
    void acdcPerConditionAndAll(@TempDir Path root) throws Exception {
        for (String cond : new String[] {"night", "snow"}) {
            String stem = "GOPR0351_frame_000159";
            Fixtures.rgb(root.resolve("rgb_anon/" + cond + "/val/GOPR0351/" + stem + "_rgb_anon.png"), H, W, 4);
            Fixtures.grey(root.resolve("gt/" + cond + "/val/GOPR0351/" + stem + "_gt_labelIds.png"),
                    Fixtures.fill(H * W, 23, 21), H, W);
        }
        Files.createDirectories(root.resolve("rgb_anon/fog/val"));
        Files.createDirectories(root.resolve("rgb_anon/rain/val"));
        Dataset night = Datasets.open("acdc:" + root + "#night/val", BadInput.strict());
        assertEquals(1, night.size());
        assertArrayEquals(Fixtures.fill(H * W, 10, 8), night.load(0).label());
        assertThrows(DataException.class, () -> Datasets.open("acdc:" + root + "#all/val", BadInput.strict()),
                "fog/rain have no images: an empty condition is an error, not a silent skip");
    }

    @Test
    void folderLayoutTrainIds(@TempDir Path root) throws Exception {
        Fixtures.rgb(root.resolve("images/a.png"), H, W, 5);
        Fixtures.grey(root.resolve("labels/a.png"), Fixtures.fill(H * W, 0, 18, 255), H, W);
        Sample s = Datasets.open(root.toString(), BadInput.strict()).load(0);
        assertArrayEquals(Fixtures.fill(H * W, 0, 18, 255), s.label());
        float[] img = s.image();
        assertEquals(3 * H * W, img.length);
        assertEquals(((17 + 5) & 255) / 255f, img[1], 1e-6, "R of pixel (0,1), channel-major");
    }

    @Test
    void mappingsFollowTheOfficialTables() {
        assertEquals(0, LabelMapping.CITYSCAPES.map(7));
        assertEquals(16, LabelMapping.CITYSCAPES.map(31));
        assertEquals(255, LabelMapping.CITYSCAPES.map(29), "caravan is not evaluated");
        assertEquals(-1, LabelMapping.CITYSCAPES.map(34), "outside the label-id range");
        assertEquals(3, LabelMapping.SYNTHIA.map(21));
        assertEquals(9, LabelMapping.SYNTHIA.map(16));
        assertEquals(255, LabelMapping.SYNTHIA.map(22), "lane marking is void");
        assertEquals(-1, LabelMapping.SYNTHIA.map(23));
        assertEquals(-1, LabelMapping.TRAIN_IDS.map(19));
        assertEquals(255, LabelMapping.TRAIN_IDS.map(255));
        int trainIds = 0;
        for (int i = 0; i < 34; i++) {
            if (LabelMapping.CITYSCAPES.map(i) < 19) {
                trainIds++;
            }
        }
        assertEquals(19, trainIds);
        assertTrue(Classes.SUBSET_16.size() == 16 && Classes.SUBSET_13.size() == 13);
    }
}
