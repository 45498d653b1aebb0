package dev.shadowattn.bench.kernels;

import org.openjdk.jmh.annotations.Param;

/**
 * {@link RowDotBenchmark} for the K-quants, whose 256-element super-blocks cannot form rows of 384: rows of 512 and
 * 1024 over a 1024-row matrix. Run with {@link QuantDotBenchmark} by the pattern {@code QuantDot}.
 */
public class KQuantDotBenchmark extends RowDotBenchmark {

    @Param({"Q4_K", "Q6_K"})
    public String type;

    @Param({"512", "1024"})
    public int n;

    @Param({"scalar", "vector"})
    public String kernels;

    @Param({"1024"})
    public int rows;

    @Override
    protected String type() {
        return type;
    }

    @Override
    protected int n() {
        return n;
    }

    @Override
    protected String kernels() {
        return kernels;
    }

    @Override
    protected int rows() {
        return rows;
    }
}
