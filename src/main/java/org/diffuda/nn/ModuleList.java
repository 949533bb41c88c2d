package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;

/** torch.nn.ModuleList / Sequential: children named 0, 1, 2, ...; forward chains them. */
public final class ModuleList extends Module {
    private final List<Module> items = new ArrayList<>();

    public ModuleList add(Module m) {
        child(String.valueOf(items.size()), m);
        items.add(m);
        return this;
    }

    public Module get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<Module> items() {
        return items;
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDList x = inputs;
        for (Module m : items) {
            x = m.forward(x, training);
        }
        return x;
    }

    public NDArray apply(NDArray x, boolean training) {
        return forward(new NDList(x), training).singletonOrThrow();
    }
}
