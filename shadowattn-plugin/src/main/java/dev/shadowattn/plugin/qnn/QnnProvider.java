package dev.shadowattn.plugin.qnn;

import java.lang.foreign.MemorySegment;

/**
 * One {@code QnnInterface_t} returned by {@code QnnInterface_getProviders}.
 *
 * @param index      position in the provider list
 * @param backendId  backend id (QNN-ABI.md: CPU 3, HTP 6)
 * @param name       provider name
 * @param coreApi    core API version; this binding needs major 2
 * @param backendApi backend API version
 * @param table      the interface struct, sized to the highest slot used and scoped to the library's arena
 */
public record QnnProvider(int index, int backendId, String name, QnnVersion coreApi, QnnVersion backendApi,
                          MemorySegment table) {

    /** Backend ids from QNN-ABI.md. */
    public static final int BACKEND_CPU = 3;
    public static final int BACKEND_HTP = 6;

    /** One-line description for messages. */
    public String describe() {
        return "'" + name + "' (backend " + backendId + ", core API " + coreApi + ", backend API " + backendApi + ")";
    }
}
