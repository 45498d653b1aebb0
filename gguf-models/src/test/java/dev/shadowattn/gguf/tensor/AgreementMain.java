package dev.shadowattn.gguf.tensor;

/**
 * Entry point for {@link OtherJvmConfigurationsTest}: prints the name of {@link TensorKernels#best()} and, when it is
 * a vector implementation, checks it against the scalar reference on every type. Exit status 0 when all checks pass.
 */
public final class AgreementMain {

    private AgreementMain() {
    }

    public static void main(String[] args) {
        TensorKernels best = TensorKernels.best();
        System.out.println("kernels=" + best.name());
        if (best.name().startsWith("vector")) {
            new KernelAgreement(best, 2024).all();
            System.out.println("agreement=ok");
        }
    }
}
