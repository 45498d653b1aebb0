package dev.shadowattn.gguf.tensor;

import java.util.Locale;

/**
 * Chooses the implementation behind {@link TensorKernels#best()}. Only this class touches the vector classes, and
 * only after checking that the {@code jdk.incubator.vector} module is in the boot layer, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} gets the scalar kernels instead of a linkage error. Like Lucene's
 * vectorization provider it also declines vectors when C2 cannot compile them ({@code -Xint},
 * {@code -XX:TieredStopAtLevel} below 4): interpreted or C1-compiled Vector API code allocates every vector and is
 * far slower than scalar code.
 */
final class KernelSelection {

    /** The smallest float lane count the vector kernels are written for (one 8-lane vector = a 64-bit byte vector). */
    static final int MIN_LANES = 8;

    private KernelSelection() {
    }

    /** The implementation for property value {@code override} ({@code null}, "scalar", "vector"; others ignored). */
    static TensorKernels select(String override) {
        String choice = override == null ? "" : override.trim().toLowerCase(Locale.ROOT);
        if (choice.equals("scalar")) {
            return ScalarKernels.INSTANCE;
        }
        TensorKernels vector = VectorHolder.INSTANCE;
        return vector != null ? vector : ScalarKernels.INSTANCE;
    }

    /** Lazily created vector implementation; {@code null} where the Vector API is missing or too narrow. */
    private static final class VectorHolder {
        static final TensorKernels INSTANCE = create();

        private static TensorKernels create() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty() || !optimizingCompilerAvailable()) {
                return null;
            }
            try {
                return VectorKernels.preferredLanes() >= MIN_LANES ? new VectorKernels() : null;
            } catch (LinkageError | RuntimeException e) {
                return null;
            }
        }
    }

    /** False when the VM runs interpreted only or stops tiered compilation before C2. */
    static boolean optimizingCompilerAvailable() {
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            return false;
        }
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (bean != null && Boolean.parseBoolean(bean.getVMOption("TieredCompilation").getValue())) {
                return Integer.parseInt(bean.getVMOption("TieredStopAtLevel").getValue()) >= 4;
            }
            return true;
        } catch (LinkageError | RuntimeException e) {
            return true;                    // no HotSpot management interface: assume a normal JIT
        }
    }
}
