package dev.shadowattn.plugin.qnn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Finalized score graphs on disk, so that a later start restores them instead of building them. Layout:
 * <pre>
 *   &lt;cache dir&gt;/&lt;profile id&gt;/&lt;fingerprint&gt;/ctx-N.bin     the QNN context binary (contextGetBinary)
 *   &lt;cache dir&gt;/&lt;profile id&gt;/&lt;fingerprint&gt;/ctx-N.graphs  our metadata: the graphs in it, with their
 *                                                        keys and tensor ids (QNN-ABI.md: keep your own metadata)
 * </pre>
 * The fingerprint hashes the library's build id, backend id, provider name and API versions, and this format's
 * version: a different backend build never sees another's binaries. The metadata records the binary's size and
 * CRC-32; an entry that does not check out is ignored with a notice (and its index reused), never trusted.
 */
final class ContextBinaryCache {

    /** Bumped whenever the graphs built for a key, or this metadata, change meaning. */
    static final int FORMAT_VERSION = 2;
    private static final String MAGIC = "shadowattn-qnn-context " + FORMAT_VERSION;
    private static final long MAX_BINARY_BYTES = QnnContext.MAX_BINARY_BYTES;

    /** One graph recorded beside a binary. */
    record GraphRecord(MatMulGraphKey key, int[] tensorIds) {
    }

    /** A stored context: its index, binary file and graphs. */
    record Entry(int index, Path binary, List<GraphRecord> graphs) {
    }

    private final Path directory;
    private final String fingerprint;

    ContextBinaryCache(Path root, String profileId, QnnRuntime runtime) {
        this.fingerprint = fingerprint(runtime);
        this.directory = root.resolve(safeName(profileId)).resolve(fingerprint.substring(0, 16));
    }

    Path directory() {
        return directory;
    }

    private static String fingerprint(QnnRuntime runtime) {
        QnnProvider p = runtime.provider();
        String text = "format " + FORMAT_VERSION + "\nbuild " + runtime.buildId() + "\nbackend " + p.backendId()
                + "\nprovider " + p.name() + "\ncore " + p.coreApi() + "\nbackend-api " + p.backendApi() + "\n";
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** A profile id as a directory name: safe characters kept, anything else replaced, length bounded. */
    static String safeName(String profileId) {
        if (profileId == null || profileId.isBlank()) {
            throw new IllegalArgumentException("QNN graph cache: the profile id must not be empty");
        }
        StringBuilder sb = new StringBuilder();
        for (char ch : profileId.toCharArray()) {
            sb.append(Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '_' || ch == '.' ? ch : '_');
        }
        String s = sb.toString();
        if (s.startsWith(".")) {
            s = "_" + s.substring(1);
        }
        return s.length() <= 80 ? s : s.substring(0, 80);
    }

    /** Valid entries in index order; every rejected entry adds a notice naming its file and the reason. */
    List<Entry> load(List<String> notices) {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return entries;
        }
        for (int i : storedIndices()) {
            Path graphs = graphsFile(i);
            try {
                entries.add(read(i, graphs));
            } catch (IOException | RuntimeException e) {
                notices.add("QNN graph cache entry " + graphs + " ignored: " + e.getMessage());
            }
        }
        return entries;
    }

    /** Indices N of the ctx-N.graphs files present, ascending. */
    private List<Integer> storedIndices() {
        try (var files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("ctx-[0-9]{1,6}\\.graphs"))
                    .map(n -> Integer.parseInt(n.substring(4, n.length() - ".graphs".length())))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("QNN graph cache: cannot list " + directory, e);
        }
    }

    private Entry read(int index, Path graphsFile) throws IOException {
        List<String> lines = Files.readAllLines(graphsFile, StandardCharsets.UTF_8);
        if (lines.size() < 4 || lines.size() > 100_000 || !lines.get(0).equals(MAGIC)) {
            throw new IllegalArgumentException("not a version " + FORMAT_VERSION + " graph list");
        }
        if (!lines.get(1).equals("fingerprint " + fingerprint)) {
            throw new IllegalArgumentException("written for another backend build");
        }
        String[] bin = fields(lines.get(2), "binary", 3);
        long size = Long.parseLong(bin[1]);
        Path binary = binaryFile(index);
        if (!Files.isRegularFile(binary) || Files.size(binary) != size || size <= 0 || size > MAX_BINARY_BYTES) {
            throw new IllegalArgumentException("binary " + binary + " is missing or not " + size + " bytes");
        }
        List<GraphRecord> graphs = new ArrayList<>();
        for (int i = 3; i < lines.size() - 1; i++) {
            graphs.add(parseGraph(fields(lines.get(i), "graph", 13)));
        }
        String[] end = fields(lines.getLast(), "end", 2);
        if (Integer.parseInt(end[1]) != graphs.size() || graphs.isEmpty()) {
            throw new IllegalArgumentException("graph list is truncated");
        }
        try (Arena arena = Arena.ofConfined()) {
            if (!Long.toHexString(crc(map(binary, arena))).equals(bin[2])) {
                throw new IllegalArgumentException("binary " + binary + " fails its CRC-32 check");
            }
        }
        return new Entry(index, binary, List.copyOf(graphs));
    }

    private static String[] fields(String line, String tag, int count) {
        String[] f = line.split(" ");
        if (f.length != count || !f[0].equals(tag)) {
            throw new IllegalArgumentException("malformed line '" + (line.length() > 80 ? line.substring(0, 80) : line)
                    + "' (expected '" + tag + "' with " + (count - 1) + " fields)");
        }
        return f;
    }

    private static GraphRecord parseGraph(String[] f) {
        ScaleBucket bucket = new ScaleBucket(Float.intBitsToFloat(Integer.parseUnsignedInt(f[1], 16)),
                Float.intBitsToFloat(Integer.parseUnsignedInt(f[2], 16)),
                Double.longBitsToDouble(Long.parseUnsignedLong(f[3], 16)));
        MatMulGraphKey key = new MatMulGraphKey(bucket, Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                Integer.parseInt(f[6]), Integer.parseInt(f[7]), QuantEncoding.parse("input", f[8]),
                QuantEncoding.parse("output", f[9]));
        return new GraphRecord(key, new int[] {Integer.parseUnsignedInt(f[10]), Integer.parseUnsignedInt(f[11]),
            Integer.parseUnsignedInt(f[12])});
    }

    private static String format(GraphRecord r) {
        MatMulGraphKey k = r.key();
        return String.join(" ", "graph", Integer.toHexString(Float.floatToIntBits(k.bucket().qScale())),
                Integer.toHexString(Float.floatToIntBits(k.bucket().kScale())),
                Long.toHexString(Double.doubleToLongBits(k.bucket().outputStep())),
                Integer.toString(k.headDim()), Integer.toString(k.rows()), Integer.toString(k.heads()),
                Integer.toString(k.keys()), k.input().name().toLowerCase(Locale.ROOT),
                k.output().name().toLowerCase(Locale.ROOT), Integer.toUnsignedString(r.tensorIds()[0]),
                Integer.toUnsignedString(r.tensorIds()[1]), Integer.toUnsignedString(r.tensorIds()[2]));
    }

    /** Maps a stored binary read-only into {@code arena}. */
    static MemorySegment map(Path binary, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
    }

    /** Writes (or replaces) entry {@code index}: binary first, then the graph list that vouches for it. */
    void store(int index, MemorySegment binary, List<GraphRecord> graphs) {
        try {
            Files.createDirectories(directory);
            Path bin = binaryFile(index);
            Path tmpBin = directory.resolve("ctx-" + index + ".bin.tmp");
            try (FileChannel ch = FileChannel.open(tmpBin, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(binary.asByteBuffer());
            }
            move(tmpBin, bin);
            StringBuilder sb = new StringBuilder();
            sb.append(MAGIC).append('\n').append("fingerprint ").append(fingerprint).append('\n');
            sb.append("binary ").append(binary.byteSize()).append(' ').append(Long.toHexString(crc(binary)))
                    .append('\n');
            for (GraphRecord r : graphs) {
                sb.append(format(r)).append('\n');
            }
            sb.append("end ").append(graphs.size()).append('\n');
            Path tmpGraphs = directory.resolve("ctx-" + index + ".graphs.tmp");
            Files.writeString(tmpGraphs, sb, StandardCharsets.UTF_8);
            move(tmpGraphs, graphsFile(index));
        } catch (IOException e) {
            throw new UncheckedIOException("QNN graph cache: cannot write entry " + index + " in " + directory, e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The first index with no valid entry (indices of rejected entries are reused). */
    int freeIndex(List<Entry> valid, List<Integer> taken) {
        for (int i = 0; ; i++) {
            final int idx = i;
            if (valid.stream().noneMatch(e -> e.index() == idx) && !taken.contains(idx)) {
                return i;
            }
        }
    }

    Path binaryFile(int index) {
        return directory.resolve("ctx-" + index + ".bin");
    }

    Path graphsFile(int index) {
        return directory.resolve("ctx-" + index + ".graphs");
    }

    private static long crc(MemorySegment data) {
        CRC32 crc = new CRC32();
        long chunk = 1 << 20;
        for (long off = 0; off < data.byteSize(); off += chunk) {
            long n = Math.min(chunk, data.byteSize() - off);
            crc.update(data.asSlice(off, n).asByteBuffer());
        }
        return crc.getValue();
    }
}
