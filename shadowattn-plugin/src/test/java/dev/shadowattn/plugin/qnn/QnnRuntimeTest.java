package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library loading, provider choice and the backend/device/log/context lifecycle against our reference library. */
class QnnRuntimeTest {

    @TempDir
    Path tmp;

    @AfterEach
    void noLeaks() {
        RefLibrary.resetAndCheckNoLeaks();
    }

    @Test
    void opensTheCoreApi2ProviderAndFreesEverythingOnClose() {
        RefLibrary.Controls c = RefLibrary.controls();
        QnnRuntime rt = QnnRuntime.open(new QnnRuntime.Options(RefLibrary.path(), 0, -1, true, 3));
        try {
            assertEquals("qnnref", rt.provider().name(), "the 1.x and 3.x providers must be passed over");
            assertEquals(new QnnVersion(2, 14, 0), rt.provider().coreApi());
            assertEquals(QnnProvider.BACKEND_CPU, rt.provider().backendId());
            assertEquals(new QnnRuntime.ApiVersion(new QnnVersion(2, 14, 0), new QnnVersion(1, 0, 0)), rt.apiVersion());
            assertTrue(rt.buildId().startsWith("qnnref 1.0.0"), rt.buildId());
            assertTrue(rt.hasDevice());
            assertEquals(1, c.counter("live_backends"));
            assertEquals(1, c.counter("live_devices"));
            assertEquals(1, c.counter("live_logs"));
            QnnContext a = rt.createContext();
            QnnContext b = rt.createContext();
            assertEquals(2, c.counter("live_contexts"));
            a.close();
            a.close();
            assertEquals(1, c.counter("live_contexts"));
            assertTrue(b.isOpen());
        } finally {
            rt.close();
        }
        assertEquals(0, c.liveObjects(), "close frees the open context, device, backend and log");
        assertFalse(rt.isOpen());
        rt.close();
        assertThrows(IllegalStateException.class, rt::createContext);
    }

    @Test
    void providerChoiceFollowsTheCoreVersion() {
        RefLibrary.Controls c = RefLibrary.controls();
        try (QnnLibrary lib = QnnLibrary.load(RefLibrary.path())) {
            assertEquals(3, lib.providers().size());
            assertEquals("qnnref", lib.select(14, -1).name());
            assertEquals("qnnref", lib.select(0, QnnProvider.BACKEND_CPU).name());
            QnnLibraryException tooNew = assertThrows(QnnLibraryException.class, () -> lib.select(15, -1));
            assertTrue(tooNew.getMessage().contains("no provider with core API 2.15 or later"), tooNew.getMessage());
            assertTrue(tooNew.getMessage().contains("'qnnref-legacy' (backend 3, core API 1.14.0"), tooNew.getMessage());
            QnnLibraryException htp = assertThrows(QnnLibraryException.class,
                    () -> lib.select(0, QnnProvider.BACKEND_HTP));
            assertTrue(htp.getMessage().contains("for backend id 6"), htp.getMessage());
        }
        // The list is re-read at each load: with no 2.x provider left, opening fails naming the library.
        c.setCoreVersion(1, 4, 0);
        QnnLibraryException none = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path())));
        assertTrue(none.getMessage().startsWith("QNN backend library " + RefLibrary.path()), none.getMessage());
    }

    @Test
    void missingOrWrongLibrariesGiveClearErrors() throws IOException {
        Path missing = tmp.resolve("libQnnHtp.so");
        QnnLibraryException e1 = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(missing)));
        assertTrue(e1.getMessage().contains(missing.toString()) && e1.getMessage().contains("does not exist"),
                e1.getMessage());

        Path text = Files.writeString(tmp.resolve("libQnnCpu.so"), "not an ELF file\n");
        QnnLibraryException e2 = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(text)));
        assertTrue(e2.getMessage().contains("cannot be loaded as a shared library"), e2.getMessage());

        Path noEntry = RefLibrary.noEntryPath();
        QnnLibraryException e3 = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(noEntry)));
        assertTrue(e3.getMessage().contains("does not export QnnInterface_getProviders"), e3.getMessage());

        QnnLibraryException e4 = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(tmp)));
        assertTrue(e4.getMessage().contains("is not a readable regular file"), e4.getMessage());
    }

    @Test
    void failingProviderListIsReported() {
        RefLibrary.controls().injectFailure(RefLibrary.GET_PROVIDERS, 0, 1000);
        QnnLibraryException e = assertThrows(QnnLibraryException.class,
                () -> QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path())));
        assertTrue(e.getMessage().contains("QnnInterface_getProviders failed with error 1000"), e.getMessage());
    }

    @Test
    void backendCreateFailureCarriesCodeAndMessageAndLeaksNothing() {
        RefLibrary.Controls c = RefLibrary.controls();
        c.injectFailure(QnnFunction.BACKEND_CREATE.slot(), 0, 1234);
        QnnLibrary lib = QnnLibrary.load(RefLibrary.path());
        QnnException e = assertThrows(QnnException.class,
                () -> QnnRuntime.open(lib, new QnnRuntime.Options(RefLibrary.path(), 0, -1, true, 2)));
        assertEquals("backendCreate", e.function());
        assertEquals(1234, e.code());
        assertEquals(((long) QnnFunction.BACKEND_CREATE.slot() << 32) | 1234, e.rawError(),
                "the upper bits are kept; the code is the low 16 bits");
        assertTrue(e.backendMessage().contains("injected failure in slot 1 (backendCreate)"), e.backendMessage());
        assertTrue(e.getMessage().startsWith("QNN backendCreate failed with error 1234: "), e.getMessage());
        assertEquals(0, c.liveObjects(), "the log created before the failure is freed");
        assertTrue(lib.isOpen(), "a library the caller owns stays loaded");
        lib.close();
        assertFalse(lib.isOpen());
    }

    @Test
    void deviceFailureFallsBackToTheNullDevice() {
        RefLibrary.Controls c = RefLibrary.controls();
        c.injectFailure(QnnFunction.DEVICE_CREATE.slot(), 0, 1003);
        try (QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()))) {
            assertFalse(rt.hasDevice());
            assertEquals(1, rt.notices().size());
            assertTrue(rt.notices().getFirst().contains("deviceCreate failed"), rt.notices().getFirst());
            try (QnnContext ctx = rt.createContext()) {
                assertTrue(ctx.isOpen());
            }
        }
    }

    @Test
    void memoryDescriptorsRegisterAndDeregister() {
        RefLibrary.Controls c = RefLibrary.controls();
        try (QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()));
             QnnContext ctx = rt.createContext();
             Arena arena = Arena.ofConfined()) {
            // Qnn_MemDescriptor_t of a CUSTOM (2) buffer [4][64] u8, as the on-device path would describe an
            // rpcmem buffer (there with memType ION and its file descriptor).
            MemorySegment desc = arena.allocate(QnnLayouts.MEM_DESCRIPTOR);
            desc.set(JAVA_INT,
                    QnnLayouts.offset(QnnLayouts.MEM_DESCRIPTOR, "memShape", "numDim"), 2);
            desc.set(ADDRESS,
                    QnnLayouts.offset(QnnLayouts.MEM_DESCRIPTOR, "memShape", "dimSize"),
                    arena.allocateFrom(JAVA_INT, 4, 64));
            desc.set(JAVA_INT, QnnLayouts.offset(QnnLayouts.MEM_DESCRIPTOR, "dataType"),
                    QnnDataType.UFIXED_POINT_8.code());
            desc.set(JAVA_INT, QnnLayouts.offset(QnnLayouts.MEM_DESCRIPTOR, "memType"), 2);
            MemorySegment handle = arena.allocate(ADDRESS);
            rt.api().memRegister(ctx.handle(), desc, 1, handle);
            assertEquals(1, c.counter("live_mem_handles"));
            rt.api().memDeRegister(handle, 1);
            assertEquals(0, c.counter("live_mem_handles"));
            desc.set(JAVA_INT, QnnLayouts.offset(QnnLayouts.MEM_DESCRIPTOR, "memType"), 7);
            QnnException e = assertThrows(QnnException.class, () -> rt.api().memRegister(ctx.handle(), desc, 1, handle));
            assertTrue(e.getMessage().contains("descriptor 0 has memory type 7"), e.getMessage());
        }
    }

    @Test
    void contextCreateFailureLeavesTheRuntimeUsable() {
        RefLibrary.Controls c = RefLibrary.controls();
        try (QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()))) {
            c.injectFailure(QnnFunction.CONTEXT_CREATE.slot(), 0, 1004);
            QnnException e = assertThrows(QnnException.class, rt::createContext);
            assertEquals("contextCreate", e.function());
            assertEquals(1004, e.code());
            try (QnnContext ctx = rt.createContext()) {
                assertTrue(ctx.isOpen());
            }
        }
    }

    @Test
    void closeKeepsFreeingAfterAFailureAndReportsIt() {
        RefLibrary.Controls c = RefLibrary.controls();
        QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()));
        rt.createContext();
        c.injectFailure(QnnFunction.DEVICE_FREE.slot(), 0, 1002);
        QnnException e = assertThrows(QnnException.class, rt::close);
        assertEquals("deviceFree", e.function());
        assertEquals(0, c.counter("live_contexts"));
        assertEquals(0, c.counter("live_backends"), "the backend is freed after the device failed");
        assertEquals(1, c.counter("live_devices"), "the injected failure left the device alive");
        assertEquals(1, c.freeAll(), "exactly the device whose free failed is left");
    }
}
