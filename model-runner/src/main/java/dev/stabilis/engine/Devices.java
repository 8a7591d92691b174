package dev.stabilis.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Chooses the device models run on. */
public final class Devices {

    private Devices() {}

    /**
     * Resolves a device name: {@code auto} (the first GPU when the PyTorch engine finds one, else the CPU),
     * {@code cpu}, {@code gpu} or {@code gpu:N}.
     *
     * @throws IllegalArgumentException for another name, or a GPU that does not exist
     */
    public static Device resolve(String name) {
        Engine engine = Engine.getEngine("PyTorch");
        String n = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("auto")) {
            return engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        }
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.equals("gpu") || n.matches("gpu:\\d+")) {
            int id = n.equals("gpu") ? 0 : Integer.parseInt(n.substring(4));
            if (id >= engine.getGpuCount()) {
                throw new IllegalArgumentException("device '" + name + "' requested but the PyTorch engine sees "
                        + engine.getGpuCount() + " GPU(s)");
            }
            return Device.gpu(id);
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (use auto, cpu, gpu or gpu:N)");
    }
}
