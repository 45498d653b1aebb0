package dev.shadowattn.bench.kernels;

import org.openjdk.jmh.annotations.Param;

/**
 * {@link RowDotBenchmark} for the types with 32-element blocks and the float types, at the house model's row
 * lengths (384, 1024) over a 1024-row matrix. Q8_0 is the house model's type.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar QuantDot -f 1 -wi 3
 * -i 5 -w 1 -r 1} (this class and {@link KQuantDotBenchmark}); the 32000 x 384 output matrix of the house model:
 * {@code QuantDotBenchmark -p rows=32000 -p n=384 -p type=Q8_0}.
 */
public class QuantDotBenchmark extends RowDotBenchmark {

    @Param({"Q8_0", "Q4_0", "F16", "BF16", "F32"})
    public String type;

    @Param({"384", "1024"})
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
