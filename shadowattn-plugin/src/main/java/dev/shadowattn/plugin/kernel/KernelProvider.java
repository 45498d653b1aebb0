package dev.shadowattn.plugin.kernel;

/**
 * Chooses the kernels at start-up: the Vector API implementation when the {@code jdk.incubator.vector} module is
 * present and the machine's preferred float species has 8 or 16 lanes dividing the head dimension, else the scalar
 * reference.
 */
public final class KernelProvider {

    private KernelProvider() {
    }

    /** Whether the Vector API module was added to this JVM ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * @param choice {@code auto}, {@code vector} (fails if unsupported) or {@code scalar}
     */
    public static AttentionKernels forHeadDim(int headDim, String choice) {
        return switch (choice) {
            case "scalar" -> new ScalarKernels();
            case "vector" -> {
                if (!vectorUsable(headDim)) {
                    throw new IllegalArgumentException("backend option kernels=vector: the Vector API kernels need "
                            + "--add-modules jdk.incubator.vector and 8 or 16 float lanes dividing headDim "
                            + headDim);
                }
                yield new VectorKernels();
            }
            case "auto" -> vectorUsable(headDim) ? new VectorKernels() : new ScalarKernels();
            default -> throw new IllegalArgumentException("backend option kernels=" + choice
                    + " must be one of auto, vector, scalar");
        };
    }

    private static boolean vectorUsable(int headDim) {
        return vectorModulePresent() && VectorKernels.supports(headDim);
    }
}
