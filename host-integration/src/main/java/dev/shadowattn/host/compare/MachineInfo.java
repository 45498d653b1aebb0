package dev.shadowattn.host.compare;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine a comparison ran on, for the report: CPU model (Linux {@code /proc/cpuinfo}, else the architecture),
 * logical processors, operating system, Java runtime and the one-minute load average, which says how much other
 * work shared the CPU.
 */
public record MachineInfo(String cpu, int processors, String os, String java, double loadAverage) {

    /** The current machine, load average read now (NaN where the platform has none). */
    public static MachineInfo current() {
        String cpu = System.getProperty("os.arch");
        try {
            Path info = Path.of("/proc/cpuinfo");
            if (Files.isReadable(info)) {
                for (String line : Files.readAllLines(info)) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep the architecture name
        }
        return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + Runtime.version(), loadAverageNow());
    }

    /** The one-minute load average now (NaN where unavailable). */
    public static double loadAverageNow() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? Double.NaN : load;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpu);
        m.put("processors", processors);
        m.put("os", os);
        m.put("java", java);
        m.put("loadAverageAtStart", loadAverage);
        return m;
    }
}
