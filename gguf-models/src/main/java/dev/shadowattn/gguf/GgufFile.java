package dev.shadowattn.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A GGUF file (versions 2 and 3; GGUF spec, ggml docs/gguf.md) opened for reading: its metadata and its tensors,
 * whose bytes stay in a read-only memory mapping of the file and are never copied onto the heap.
 *
 * <p>The mapping belongs to a shared {@link Arena} closed by {@link #close()}; after that, reading a tensor's
 * {@link GgufTensor#data() data} throws {@link IllegalStateException}. Metadata stays readable. Instances are safe
 * to read from several threads.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GgufParser.Parsed parsed;
    private final Map<String, GgufTensor> byName;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufParser.Parsed parsed) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.parsed = parsed;
        Map<String, GgufTensor> map = new LinkedHashMap<>();
        for (GgufTensor t : parsed.tensors()) {
            map.put(t.name(), t);
        }
        this.byName = map;
    }

    /**
     * Maps and parses a GGUF file, checking its whole structure: header, metadata, tensor infos, and that every
     * tensor's data is aligned and lies inside the file.
     *
     * @throws GgufFormatException  if the file is not a valid GGUF v2/v3 file; the message names file and field
     * @throws UncheckedIOException if the file cannot be read
     */
    public static GgufFile open(Path path) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, mapping, GgufParser.parse(path, mapping));
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read GGUF file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The path this file was opened with. */
    public Path path() {
        return path;
    }

    /** The GGUF version: 2 or 3. */
    public int version() {
        return parsed.version();
    }

    public GgufMetadata metadata() {
        return parsed.metadata();
    }

    /** {@code general.alignment}, 32 when absent: tensor data start and offsets are multiples of it. */
    public int alignment() {
        return parsed.alignment();
    }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() {
        return parsed.dataOffset();
    }

    /** Size of the file in bytes. */
    public long fileSize() {
        return mapping.byteSize();
    }

    /**
     * The tensor data section, from {@link #dataOffset()} to the end of the file, read-only (empty if the file ends
     * before it, which only a file without tensors may do).
     */
    public MemorySegment dataSection() {
        long start = Math.min(parsed.dataOffset(), mapping.byteSize());
        return mapping.asSlice(start).asReadOnly();
    }

    /** The tensors, in file order. */
    public List<GgufTensor> tensors() {
        return parsed.tensors();
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws GgufFormatException naming the tensor and the file if there is none
     */
    public GgufTensor tensor(String name) {
        GgufTensor t = byName.get(Objects.requireNonNull(name, "name"));
        if (t == null) {
            throw new GgufFormatException(path, "tensor '" + name + "'",
                    "no such tensor (the file has " + byName.size() + " tensors)");
        }
        return t;
    }

    public Optional<GgufTensor> findTensor(String name) {
        return Optional.ofNullable(byName.get(Objects.requireNonNull(name, "name")));
    }

    /** Unmaps the file (closes the arena of the mapping). Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    /** A multi-line summary: version, sizes, every metadata key with its value (arrays abbreviated), every tensor. */
    public String describe() {
        StringBuilder sb = new StringBuilder(toString()).append('\n');
        GgufMetadata md = metadata();
        sb.append("metadata (").append(md.size()).append(" keys):\n");
        for (String key : md.keys()) {
            sb.append("  ").append(key).append(": ").append(md.typeOf(key)).append(" = ").append(md.render(key))
                    .append('\n');
        }
        sb.append("tensors (").append(tensors().size()).append("):\n");
        for (GgufTensor t : tensors()) {
            sb.append("  ").append(t.name()).append(' ').append(t.type()).append(' ')
                    .append(Arrays.toString(t.shape())).append(" @").append(t.offset())
                    .append(" (").append(t.byteSize()).append(" bytes)\n");
        }
        return sb.toString();
    }

    /** One line: file, version, tensor and key counts, alignment, data section. */
    @Override
    public String toString() {
        return "GgufFile[" + path + ": GGUF v" + version() + ", " + tensors().size() + " tensors, "
                + metadata().size() + " metadata keys, alignment " + alignment() + ", data at " + dataOffset()
                + " of " + fileSize() + " bytes]";
    }
}
