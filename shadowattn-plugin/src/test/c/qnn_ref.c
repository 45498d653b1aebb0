/*
 * qnn_ref.c -- a reference QNN backend of our own, for testing the Java FFM binding without the QNN SDK.
 *
 * Written from /work/shared/docs/QNN-ABI.md (the facts of the public C ABI: entry point, interface table slots,
 * struct layouts, constants). No Qualcomm header or code is used. The library:
 *   - exports QnnInterface_getProviders with three providers (core API 1.x, 2.x and 3.x; only 2.x is usable);
 *   - creates backends, devices, logs, contexts, graphs, tensors and MatMul nodes, validating what it is given;
 *   - really executes MatMul on u8/s8/u16/s16 inputs with transpose flags, requantizing the int64 accumulator to
 *     a u8/s8/u16 output with round-half-even and saturation;
 *   - serializes contexts to a checksummed binary and restores them;
 *   - exposes sizeof/offsetof probes, counters of live objects and events, and one-shot error injection.
 * Error codes are our own (the ABI fixes only "0 = success, code in the low 16 bits"); every error carries the
 * failing slot number in bits 32..47 so that the binding's masking is exercised.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- ABI types (QNN-ABI.md, "Layouts") */

typedef uint64_t Qnn_ErrorHandle_t;

typedef struct { uint32_t major, minor, patch; } Qnn_Version_t;
typedef struct { Qnn_Version_t coreApiVersion; Qnn_Version_t backendApiVersion; } Qnn_ApiVersion_t;

typedef struct { float scale; int32_t offset; } Qnn_ScaleOffset_t;
typedef struct {
    uint32_t encodingDefinition;            /* DEFINED = 1 */
    uint32_t quantizationEncoding;          /* SCALE_OFFSET = 0 */
    union { Qnn_ScaleOffset_t scaleOffset; uint64_t other[4]; } encoding;   /* @8, 32 bytes */
} Qnn_QuantizeParams_t;                     /* 40 */

typedef struct { void *data; uint32_t dataSize; } Qnn_ClientBuffer_t;  /* 16 */

typedef struct {
    uint32_t id;
    const char *name;
    uint32_t type;
    uint32_t dataFormat;
    uint32_t dataType;
    Qnn_QuantizeParams_t quantizeParams;
    uint32_t rank;
    uint32_t *dimensions;
    uint32_t memType;
    union { Qnn_ClientBuffer_t clientBuf; void *memHandle; } memory;
} Qnn_TensorV1_t;                           /* 112 */

typedef struct {
    uint32_t version;                       /* 1 */
    union { Qnn_TensorV1_t v1; uint64_t v2[17]; } u;
} Qnn_Tensor_t;                             /* 144 */

typedef struct {
    uint32_t dataType;
    union { uint8_t bool8; int32_t int32; uint32_t uint32; float float32; double float64; int64_t int64; } value;
} Qnn_Scalar_t;                             /* 16 */

typedef struct {
    uint32_t paramType;                     /* SCALAR 0, TENSOR 1 */
    const char *name;
    union { Qnn_Scalar_t scalarParam; Qnn_Tensor_t tensorParam; } u;
} Qnn_Param_t;                              /* 160 */

typedef struct {
    const char *name;
    const char *packageName;
    const char *typeName;
    uint32_t numOfParams;
    Qnn_Param_t *params;
    uint32_t numOfInputs;
    Qnn_Tensor_t *inputTensors;
    uint32_t numOfOutputs;
    Qnn_Tensor_t *outputTensors;
} Qnn_OpConfigV1_t;                         /* 72 */

typedef struct {
    uint32_t version;                       /* 1 */
    union { Qnn_OpConfigV1_t v1; } u;
} Qnn_OpConfig_t;                           /* 80 */

typedef struct { uint32_t numDim; uint32_t *dimSize; void *shapeConfig; } Qnn_MemShape_t;
typedef struct {
    Qnn_MemShape_t memShape;
    uint32_t dataType;
    uint32_t memType;                       /* ION 1, CUSTOM 2 */
    union { int32_t fd; void *customInfo; } info;
} Qnn_MemDescriptor_t;                      /* 40 */

#define SLOTS 49
typedef struct {
    uint32_t backendId;
    const char *providerName;
    Qnn_ApiVersion_t apiVersion;
    void *table[SLOTS];                     /* slot s at byte 40 + 8 s */
} QnnInterface_t;

/* Constants (QNN-ABI.md, "Constants") */
enum {
    DT_INT_32 = 0x32, DT_FLOAT_32 = 0x232, DT_SFIXED_8 = 0x308, DT_SFIXED_16 = 0x316,
    DT_UFIXED_8 = 0x408, DT_UFIXED_16 = 0x416, DT_BOOL_8 = 0x508
};
enum { TT_APP_WRITE = 0, TT_APP_READ = 1, TT_APP_READWRITE = 2, TT_NATIVE = 3, TT_STATIC = 4 };
enum { MEM_RAW = 0, MEM_HANDLE = 1 };
enum { PARAM_SCALAR = 0, PARAM_TENSOR = 1 };

/* Our error codes (low 16 bits). */
enum {
    E_GENERAL = 1000, E_NULL_ARG = 1001, E_INVALID_HANDLE = 1002, E_UNSUPPORTED = 1003, E_MEMORY = 1004,
    E_INVALID_OP = 1010, E_INVALID_TENSOR = 1011, E_INVALID_NAME = 1012, E_GRAPH_STATE = 1013,
    E_SHAPE = 1014, E_INVALID_BINARY = 1015, E_NO_SUCH_GRAPH = 1016, E_EXECUTE = 1017, E_INJECTED = 1099
};

static const char *code_name(uint32_t code) {
    switch (code) {
        case 0: return "SUCCESS";
        case E_GENERAL: return "QNNREF_ERROR_GENERAL";
        case E_NULL_ARG: return "QNNREF_ERROR_NULL_ARGUMENT";
        case E_INVALID_HANDLE: return "QNNREF_ERROR_INVALID_HANDLE";
        case E_UNSUPPORTED: return "QNNREF_ERROR_UNSUPPORTED";
        case E_MEMORY: return "QNNREF_ERROR_MEMORY";
        case E_INVALID_OP: return "QNNREF_ERROR_INVALID_OP_CONFIG";
        case E_INVALID_TENSOR: return "QNNREF_ERROR_INVALID_TENSOR";
        case E_INVALID_NAME: return "QNNREF_ERROR_INVALID_NAME";
        case E_GRAPH_STATE: return "QNNREF_ERROR_GRAPH_STATE";
        case E_SHAPE: return "QNNREF_ERROR_SHAPE_MISMATCH";
        case E_INVALID_BINARY: return "QNNREF_ERROR_INVALID_CONTEXT_BINARY";
        case E_NO_SUCH_GRAPH: return "QNNREF_ERROR_NO_SUCH_GRAPH";
        case E_EXECUTE: return "QNNREF_ERROR_EXECUTE";
        case E_INJECTED: return "QNNREF_ERROR_INJECTED";
        default: return "QNNREF_ERROR_UNKNOWN";
    }
}

/* ---------------------------------------------------------------- state */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char detail[512];
static __thread uint32_t detail_code;
static __thread char message[640];

static const char *build_id_default = "qnnref 1.0.0 (reference library of shadowattn-java)";
static char build_id[256];

static struct { int armed; uint32_t slot; uint32_t skip; uint64_t code; } inject;

enum { K_LOG = 1, K_BACKEND, K_DEVICE, K_CONTEXT, K_GRAPH, K_MEM };
enum {
    C_LIVE_LOG, C_LIVE_BACKEND, C_LIVE_DEVICE, C_LIVE_CONTEXT, C_LIVE_GRAPH, C_LIVE_MEM,
    C_CONTEXTS_CREATED, C_CONTEXTS_FROM_BINARY, C_GRAPHS_CREATED, C_GRAPHS_FINALIZED, C_GRAPHS_RETRIEVED,
    C_TENSORS_CREATED, C_NODES_ADDED, C_VALIDATIONS, C_EXECUTES, C_BINARIES_SAVED, C_FAILURES, C_COUNT
};
static const char *counter_names[C_COUNT] = {
    "live_logs", "live_backends", "live_devices", "live_contexts", "live_graphs", "live_mem_handles",
    "contexts_created", "contexts_from_binary", "graphs_created", "graphs_finalized", "graphs_retrieved",
    "tensors_created", "nodes_added", "validations", "executes", "binaries_saved", "failures"
};
static int64_t counters[C_COUNT];

typedef struct Tensor {
    uint32_t id;
    char *name;
    uint32_t type, dataType, rank;
    uint32_t dims[4];
    float scale;
    int32_t offset;
    void *native;                           /* buffer of a NATIVE tensor, allocated at finalize */
} Tensor;

typedef struct Node {
    char *name;
    uint8_t transpose0, transpose1;
    uint32_t in0, in1, out;                 /* tensor ids */
} Node;

typedef struct Object {
    int kind;
    struct Object *next;                    /* registry of live objects */
    struct Object *owner;                   /* a graph's or memory handle's context */
    /* graph */
    char *name;
    int finalized;
    Tensor *tensors; uint32_t numTensors, capTensors;
    Node *nodes; uint32_t numNodes, capNodes;
} Object;

static Object *registry;

static Object *new_object(int kind, Object *owner) {
    Object *o = calloc(1, sizeof(Object));
    if (o == NULL) return NULL;
    o->kind = kind;
    o->owner = owner;
    o->next = registry;
    registry = o;
    counters[C_LIVE_LOG + kind - K_LOG]++;
    return o;
}

static void free_graph_contents(Object *g) {
    for (uint32_t i = 0; i < g->numTensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].native);
    }
    for (uint32_t i = 0; i < g->numNodes; i++) free(g->nodes[i].name);
    free(g->tensors);
    free(g->nodes);
    free(g->name);
}

static void delete_object(Object *o) {
    for (Object **p = &registry; *p != NULL; p = &(*p)->next) {
        if (*p == o) { *p = o->next; break; }
    }
    counters[C_LIVE_LOG + o->kind - K_LOG]--;
    if (o->kind == K_GRAPH) free_graph_contents(o);
    free(o);
}

static Object *find(void *handle, int kind) {
    for (Object *o = registry; o != NULL; o = o->next) {
        if ((void *) o == handle && o->kind == kind) return o;
    }
    return NULL;
}

static Qnn_ErrorHandle_t fail(uint32_t slot, uint32_t code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static Qnn_ErrorHandle_t fail(uint32_t slot, uint32_t code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    detail_code = code;
    counters[C_FAILURES]++;
    return ((uint64_t) slot << 32) | code;
}

static const char *slot_name(uint32_t slot);

/* One-shot error injection: returns non-zero (the error to return) when the armed slot is reached. */
static Qnn_ErrorHandle_t injected(uint32_t slot) {
    if (!inject.armed || inject.slot != slot) return 0;
    if (inject.skip > 0) { inject.skip--; return 0; }
    inject.armed = 0;
    Qnn_ErrorHandle_t e = fail(slot, (uint32_t) (inject.code & 0xFFFF), "injected failure in slot %u (%s)",
                               slot, slot_name(slot));
    return e;
}

#define ENTER(slot) pthread_mutex_lock(&lock); Qnn_ErrorHandle_t _inj = injected(slot); \
    if (_inj != 0) { pthread_mutex_unlock(&lock); return _inj; }
#define RETURN(x) do { Qnn_ErrorHandle_t _r = (x); pthread_mutex_unlock(&lock); return _r; } while (0)

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------- tensors and shapes */

static int element_size(uint32_t dt) {
    switch (dt) {
        case DT_UFIXED_8: case DT_SFIXED_8: case DT_BOOL_8: return 1;
        case DT_UFIXED_16: case DT_SFIXED_16: return 2;
        case DT_INT_32: case DT_FLOAT_32: return 4;
        default: return 0;
    }
}

static int is_matmul_input_type(uint32_t dt) {
    return dt == DT_UFIXED_8 || dt == DT_SFIXED_8 || dt == DT_UFIXED_16 || dt == DT_SFIXED_16;
}

static int is_matmul_output_type(uint32_t dt) {
    return dt == DT_UFIXED_8 || dt == DT_SFIXED_8 || dt == DT_UFIXED_16;
}

static uint64_t tensor_elements(const Tensor *t) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

static uint64_t tensor_bytes(const Tensor *t) {
    return tensor_elements(t) * (uint64_t) element_size(t->dataType);
}

static Tensor *graph_tensor(Object *g, uint32_t id) {
    for (uint32_t i = 0; i < g->numTensors; i++) {
        if (g->tensors[i].id == id) return &g->tensors[i];
    }
    return NULL;
}

/* Checks a tensor struct passed by the client and fills a Tensor record from it (no registration). */
static Qnn_ErrorHandle_t read_tensor(uint32_t slot, const Qnn_Tensor_t *t, Tensor *out, const char *what) {
    if (t->version != 1) return fail(slot, E_INVALID_TENSOR, "%s: tensor version %u, expected 1", what, t->version);
    const Qnn_TensorV1_t *v = &t->u.v1;
    if (v->dataFormat != 0) return fail(slot, E_INVALID_TENSOR, "%s: data format %u is not DENSE", what, v->dataFormat);
    if (element_size(v->dataType) == 0) {
        return fail(slot, E_INVALID_TENSOR, "%s: unsupported data type 0x%x", what, v->dataType);
    }
    if (v->rank < 1 || v->rank > 4) return fail(slot, E_INVALID_TENSOR, "%s: rank %u outside 1..4", what, v->rank);
    if (v->dimensions == NULL) return fail(slot, E_NULL_ARG, "%s: dimensions pointer is NULL", what);
    memset(out, 0, sizeof *out);
    out->id = v->id;
    out->type = v->type;
    out->dataType = v->dataType;
    out->rank = v->rank;
    for (uint32_t i = 0; i < v->rank; i++) {
        if (v->dimensions[i] == 0) return fail(slot, E_INVALID_TENSOR, "%s: dimension %u is 0", what, i);
        out->dims[i] = v->dimensions[i];
    }
    if (v->dataType == DT_UFIXED_8 || v->dataType == DT_SFIXED_8 || v->dataType == DT_UFIXED_16
            || v->dataType == DT_SFIXED_16) {
        const Qnn_QuantizeParams_t *q = &v->quantizeParams;
        if (q->encodingDefinition != 1 || q->quantizationEncoding != 0) {
            return fail(slot, E_INVALID_TENSOR, "%s: quantized tensor needs DEFINED SCALE_OFFSET encoding, got %u/%u",
                        what, q->encodingDefinition, q->quantizationEncoding);
        }
        if (!(q->encoding.scaleOffset.scale > 0.0f) || !isfinite(q->encoding.scaleOffset.scale)) {
            return fail(slot, E_INVALID_TENSOR, "%s: scale %g must be positive and finite", what,
                        (double) q->encoding.scaleOffset.scale);
        }
        out->scale = q->encoding.scaleOffset.scale;
        out->offset = q->encoding.scaleOffset.offset;
    }
    return 0;
}

/* Resolves a tensor reference inside an op config: the id must name a tensor of g, with a matching name. */
static Qnn_ErrorHandle_t resolve(uint32_t slot, Object *g, const Qnn_Tensor_t *t, Tensor **out, const char *what) {
    if (t->version != 1) return fail(slot, E_INVALID_TENSOR, "%s: tensor version %u, expected 1", what, t->version);
    Tensor *r = graph_tensor(g, t->u.v1.id);
    if (r == NULL) {
        return fail(slot, E_INVALID_TENSOR, "%s: tensor id %u was not created in graph '%s'", what, t->u.v1.id, g->name);
    }
    if (t->u.v1.name != NULL && strcmp(t->u.v1.name, r->name) != 0) {
        return fail(slot, E_INVALID_TENSOR, "%s: tensor id %u is '%s', not '%s'", what, r->id, r->name, t->u.v1.name);
    }
    *out = r;
    return 0;
}

/* MatMul shape rule: in0 [..., M, K] (or [..., K, M] transposed), in1 [..., K, N] (or [..., N, K]), out [..., M, N]. */
static Qnn_ErrorHandle_t check_matmul(uint32_t slot, const Tensor *a, const Tensor *b, const Tensor *o,
                                      int t0, int t1) {
    if (!is_matmul_input_type(a->dataType) || !is_matmul_input_type(b->dataType)) {
        return fail(slot, E_INVALID_OP, "MatMul inputs must be u8/s8/u16/s16, got 0x%x and 0x%x",
                    a->dataType, b->dataType);
    }
    if (!is_matmul_output_type(o->dataType)) {
        return fail(slot, E_INVALID_OP, "MatMul output must be u8/s8/u16, got 0x%x", o->dataType);
    }
    if (a->rank < 2 || a->rank != b->rank || a->rank != o->rank) {
        return fail(slot, E_SHAPE, "MatMul ranks %u, %u, %u must be equal and at least 2", a->rank, b->rank, o->rank);
    }
    uint32_t r = a->rank;
    for (uint32_t i = 0; i + 2 < r; i++) {
        if (a->dims[i] != b->dims[i] || a->dims[i] != o->dims[i]) {
            return fail(slot, E_SHAPE, "MatMul batch dimension %u differs: %u, %u, %u", i, a->dims[i], b->dims[i],
                        o->dims[i]);
        }
    }
    uint32_t m = t0 ? a->dims[r - 1] : a->dims[r - 2], k = t0 ? a->dims[r - 2] : a->dims[r - 1];
    uint32_t k2 = t1 ? b->dims[r - 1] : b->dims[r - 2], n = t1 ? b->dims[r - 2] : b->dims[r - 1];
    if (k != k2) return fail(slot, E_SHAPE, "MatMul inner dimensions differ: %u vs %u", k, k2);
    if (o->dims[r - 2] != m || o->dims[r - 1] != n) {
        return fail(slot, E_SHAPE, "MatMul output is [%u, %u], expected [%u, %u]", o->dims[r - 2], o->dims[r - 1], m, n);
    }
    return 0;
}

typedef struct { const char *name; uint8_t t0, t1; } OpInfo;

/* Checks package, type and params of an op config (QNN-ABI.md: op package "qti.aisw", type "MatMul"). */
static Qnn_ErrorHandle_t check_op(uint32_t slot, const Qnn_OpConfig_t *op, OpInfo *info) {
    if (op->version != 1) return fail(slot, E_INVALID_OP, "op config version %u, expected 1", op->version);
    const Qnn_OpConfigV1_t *v = &op->u.v1;
    if (v->packageName == NULL || strcmp(v->packageName, "qti.aisw") != 0) {
        return fail(slot, E_INVALID_OP, "op package '%s' is not qti.aisw", v->packageName ? v->packageName : "(null)");
    }
    if (v->typeName == NULL || strcmp(v->typeName, "MatMul") != 0) {
        return fail(slot, E_INVALID_OP, "op type '%s' is not supported (only MatMul)", v->typeName ? v->typeName : "(null)");
    }
    if (v->numOfInputs != 2 || v->numOfOutputs != 1 || v->inputTensors == NULL || v->outputTensors == NULL) {
        return fail(slot, E_INVALID_OP, "MatMul takes 2 inputs and 1 output, got %u and %u", v->numOfInputs,
                    v->numOfOutputs);
    }
    if (v->numOfParams > 0 && v->params == NULL) return fail(slot, E_NULL_ARG, "params pointer is NULL");
    info->name = v->name;
    info->t0 = info->t1 = 0;
    for (uint32_t i = 0; i < v->numOfParams; i++) {
        const Qnn_Param_t *p = &v->params[i];
        const char *pn = p->name ? p->name : "(null)";
        uint8_t *dst = strcmp(pn, "transpose_in0") == 0 ? &info->t0 : strcmp(pn, "transpose_in1") == 0 ? &info->t1 : NULL;
        if (dst == NULL) return fail(slot, E_INVALID_OP, "unknown MatMul param '%s'", pn);
        if (p->paramType != PARAM_SCALAR || p->u.scalarParam.dataType != DT_BOOL_8) {
            return fail(slot, E_INVALID_OP, "MatMul param '%s' must be a BOOL_8 scalar", pn);
        }
        *dst = p->u.scalarParam.value.bool8 != 0;
    }
    return 0;
}

/* ---------------------------------------------------------------- backend, device, log */

static Qnn_ErrorHandle_t logCreate(void *callback, uint32_t level, void **out) {
    (void) callback;
    ENTER(25);
    if (out == NULL) RETURN(fail(25, E_NULL_ARG, "logCreate: output pointer is NULL"));
    if (level > 5) RETURN(fail(25, E_UNSUPPORTED, "logCreate: log level %u outside 1..5", level));
    Object *o = new_object(K_LOG, NULL);
    if (o == NULL) RETURN(fail(25, E_MEMORY, "logCreate: out of memory"));
    *out = o;
    RETURN(0);
}

static Qnn_ErrorHandle_t logFree(void *log) {
    ENTER(27);
    Object *o = find(log, K_LOG);
    if (o == NULL) RETURN(fail(27, E_INVALID_HANDLE, "logFree: %p is not a live log handle", log));
    delete_object(o);
    RETURN(0);
}

static Qnn_ErrorHandle_t backendCreate(void *log, const void **config, void **out) {
    ENTER(1);
    if (out == NULL) RETURN(fail(1, E_NULL_ARG, "backendCreate: output pointer is NULL"));
    if (log != NULL && find(log, K_LOG) == NULL) RETURN(fail(1, E_INVALID_HANDLE, "backendCreate: bad log handle"));
    if (config != NULL && config[0] != NULL) RETURN(fail(1, E_UNSUPPORTED, "backendCreate: no backend configs supported"));
    Object *o = new_object(K_BACKEND, NULL);
    if (o == NULL) RETURN(fail(1, E_MEMORY, "backendCreate: out of memory"));
    *out = o;
    RETURN(0);
}

static Qnn_ErrorHandle_t backendGetApiVersion(Qnn_ApiVersion_t *out);
static Qnn_ErrorHandle_t backendGetBuildId(const char **out) {
    ENTER(4);
    if (out == NULL) RETURN(fail(4, E_NULL_ARG, "backendGetBuildId: output pointer is NULL"));
    *out = build_id[0] ? build_id : build_id_default;
    RETURN(0);
}

static Qnn_ErrorHandle_t backendValidateOpConfig(void *backend, Qnn_OpConfig_t op) {
    ENTER(7);
    if (find(backend, K_BACKEND) == NULL) RETURN(fail(7, E_INVALID_HANDLE, "backendValidateOpConfig: bad backend handle"));
    OpInfo info;
    Qnn_ErrorHandle_t e = check_op(7, &op, &info);
    if (e) RETURN(e);
    Tensor a, b, o;
    if ((e = read_tensor(7, &op.u.v1.inputTensors[0], &a, "input 0"))) RETURN(e);
    if ((e = read_tensor(7, &op.u.v1.inputTensors[1], &b, "input 1"))) RETURN(e);
    if ((e = read_tensor(7, &op.u.v1.outputTensors[0], &o, "output 0"))) RETURN(e);
    if ((e = check_matmul(7, &a, &b, &o, info.t0, info.t1))) RETURN(e);
    counters[C_VALIDATIONS]++;
    RETURN(0);
}

static int has_children(Object *parent) {
    for (Object *o = registry; o != NULL; o = o->next) {
        if (o->owner == parent) return 1;
    }
    return 0;
}

static Qnn_ErrorHandle_t backendFree(void *backend) {
    ENTER(8);
    Object *o = find(backend, K_BACKEND);
    if (o == NULL) RETURN(fail(8, E_INVALID_HANDLE, "backendFree: %p is not a live backend", backend));
    if (has_children(o)) RETURN(fail(8, E_GRAPH_STATE, "backendFree: contexts of this backend are still live"));
    delete_object(o);
    RETURN(0);
}

static Qnn_ErrorHandle_t deviceCreate(void *log, const void **config, void **out) {
    ENTER(40);
    if (out == NULL) RETURN(fail(40, E_NULL_ARG, "deviceCreate: output pointer is NULL"));
    if (log != NULL && find(log, K_LOG) == NULL) RETURN(fail(40, E_INVALID_HANDLE, "deviceCreate: bad log handle"));
    if (config != NULL && config[0] != NULL) RETURN(fail(40, E_UNSUPPORTED, "deviceCreate: no device configs supported"));
    Object *o = new_object(K_DEVICE, NULL);
    if (o == NULL) RETURN(fail(40, E_MEMORY, "deviceCreate: out of memory"));
    *out = o;
    RETURN(0);
}

static Qnn_ErrorHandle_t deviceFree(void *device) {
    ENTER(43);
    Object *o = find(device, K_DEVICE);
    if (o == NULL) RETURN(fail(43, E_INVALID_HANDLE, "deviceFree: %p is not a live device", device));
    delete_object(o);
    RETURN(0);
}

/* ---------------------------------------------------------------- contexts and graphs */

static Qnn_ErrorHandle_t context_args(uint32_t slot, void *backend, void *device, const void **config) {
    if (find(backend, K_BACKEND) == NULL) return fail(slot, E_INVALID_HANDLE, "bad backend handle %p", backend);
    if (device != NULL && find(device, K_DEVICE) == NULL) return fail(slot, E_INVALID_HANDLE, "bad device handle %p", device);
    if (config != NULL && config[0] != NULL) return fail(slot, E_UNSUPPORTED, "no context configs supported");
    return 0;
}

static Qnn_ErrorHandle_t contextCreate(void *backend, void *device, const void **config, void **out) {
    ENTER(9);
    if (out == NULL) RETURN(fail(9, E_NULL_ARG, "contextCreate: output pointer is NULL"));
    Qnn_ErrorHandle_t e = context_args(9, backend, device, config);
    if (e) RETURN(e);
    Object *o = new_object(K_CONTEXT, find(backend, K_BACKEND));
    if (o == NULL) RETURN(fail(9, E_MEMORY, "contextCreate: out of memory"));
    counters[C_CONTEXTS_CREATED]++;
    *out = o;
    RETURN(0);
}

static Qnn_ErrorHandle_t contextFree(void *context, void *profile) {
    (void) profile;
    ENTER(14);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(14, E_INVALID_HANDLE, "contextFree: %p is not a live context", context));
    for (Object *o = registry; o != NULL;) {    /* graphs and memory handles die with their context */
        Object *next = o->next;
        if (o->owner == c) delete_object(o);
        o = next;
    }
    delete_object(c);
    RETURN(0);
}

static Object *graph_by_name(Object *ctx, const char *name) {
    for (Object *o = registry; o != NULL; o = o->next) {
        if (o->kind == K_GRAPH && o->owner == ctx && strcmp(o->name, name) == 0) return o;
    }
    return NULL;
}

static Qnn_ErrorHandle_t graphCreate(void *context, const char *name, const void **config, void **out) {
    ENTER(15);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(15, E_INVALID_HANDLE, "graphCreate: bad context handle %p", context));
    if (out == NULL || name == NULL) RETURN(fail(15, E_NULL_ARG, "graphCreate: name or output pointer is NULL"));
    if (name[0] == 0 || strlen(name) > 200) RETURN(fail(15, E_INVALID_NAME, "graphCreate: name length must be 1..200"));
    if (graph_by_name(c, name)) RETURN(fail(15, E_INVALID_NAME, "graphCreate: graph '%s' already exists", name));
    if (config != NULL && config[0] != NULL) RETURN(fail(15, E_UNSUPPORTED, "graphCreate: no graph configs supported"));
    Object *g = new_object(K_GRAPH, c);
    if (g == NULL || (g->name = dup_str(name)) == NULL) {
        if (g) delete_object(g);
        RETURN(fail(15, E_MEMORY, "graphCreate: out of memory"));
    }
    counters[C_GRAPHS_CREATED]++;
    *out = g;
    RETURN(0);
}

static Qnn_ErrorHandle_t add_tensor(Object *g, const Tensor *t, const char *name) {
    if (g->numTensors == g->capTensors) {
        uint32_t cap = g->capTensors ? g->capTensors * 2 : 8;
        Tensor *n = realloc(g->tensors, cap * sizeof(Tensor));
        if (n == NULL) return 1;
        g->tensors = n;
        g->capTensors = cap;
    }
    Tensor *d = &g->tensors[g->numTensors];
    *d = *t;
    d->native = NULL;
    if ((d->name = dup_str(name)) == NULL) return 1;
    g->numTensors++;
    return 0;
}

static Qnn_ErrorHandle_t tensorCreateGraphTensor(void *graph, Qnn_Tensor_t *tensor) {
    ENTER(24);
    Object *g = find(graph, K_GRAPH);
    if (g == NULL) RETURN(fail(24, E_INVALID_HANDLE, "tensorCreateGraphTensor: bad graph handle %p", graph));
    if (tensor == NULL) RETURN(fail(24, E_NULL_ARG, "tensorCreateGraphTensor: tensor is NULL"));
    if (g->finalized) RETURN(fail(24, E_GRAPH_STATE, "tensorCreateGraphTensor: graph '%s' is finalized", g->name));
    Tensor t;
    Qnn_ErrorHandle_t e = read_tensor(24, tensor, &t, "tensorCreateGraphTensor");
    if (e) RETURN(e);
    const char *name = tensor->u.v1.name;
    if (name == NULL || name[0] == 0) RETURN(fail(24, E_INVALID_NAME, "tensorCreateGraphTensor: tensor needs a name"));
    for (uint32_t i = 0; i < g->numTensors; i++) {
        if (strcmp(g->tensors[i].name, name) == 0) {
            RETURN(fail(24, E_INVALID_NAME, "tensorCreateGraphTensor: tensor '%s' already exists in '%s'", name, g->name));
        }
    }
    if (t.type > TT_NATIVE) RETURN(fail(24, E_UNSUPPORTED, "tensorCreateGraphTensor: tensor type %u unsupported", t.type));
    t.id = 100 + g->numTensors;             /* ids are ours to assign; written back to the caller's struct */
    if (add_tensor(g, &t, name)) RETURN(fail(24, E_MEMORY, "tensorCreateGraphTensor: out of memory"));
    tensor->u.v1.id = t.id;
    counters[C_TENSORS_CREATED]++;
    RETURN(0);
}

static Qnn_ErrorHandle_t graphAddNode(void *graph, Qnn_OpConfig_t op) {
    ENTER(18);
    Object *g = find(graph, K_GRAPH);
    if (g == NULL) RETURN(fail(18, E_INVALID_HANDLE, "graphAddNode: bad graph handle %p", graph));
    if (g->finalized) RETURN(fail(18, E_GRAPH_STATE, "graphAddNode: graph '%s' is finalized", g->name));
    OpInfo info;
    Qnn_ErrorHandle_t e = check_op(18, &op, &info);
    if (e) RETURN(e);
    Tensor *a, *b, *o;
    if ((e = resolve(18, g, &op.u.v1.inputTensors[0], &a, "input 0"))) RETURN(e);
    if ((e = resolve(18, g, &op.u.v1.inputTensors[1], &b, "input 1"))) RETURN(e);
    if ((e = resolve(18, g, &op.u.v1.outputTensors[0], &o, "output 0"))) RETURN(e);
    if (o->type == TT_APP_WRITE) RETURN(fail(18, E_INVALID_TENSOR, "graphAddNode: output '%s' is APP_WRITE", o->name));
    if ((e = check_matmul(18, a, b, o, info.t0, info.t1))) RETURN(e);
    if (g->numNodes == g->capNodes) {
        uint32_t cap = g->capNodes ? g->capNodes * 2 : 4;
        Node *n = realloc(g->nodes, cap * sizeof(Node));
        if (n == NULL) RETURN(fail(18, E_MEMORY, "graphAddNode: out of memory"));
        g->nodes = n;
        g->capNodes = cap;
    }
    Node *n = &g->nodes[g->numNodes];
    n->name = dup_str(info.name ? info.name : "");
    n->transpose0 = info.t0;
    n->transpose1 = info.t1;
    n->in0 = a->id;
    n->in1 = b->id;
    n->out = o->id;
    g->numNodes++;
    counters[C_NODES_ADDED]++;
    RETURN(0);
}

static Qnn_ErrorHandle_t finalize(uint32_t slot, Object *g) {
    if (g->numNodes == 0) return fail(slot, E_GRAPH_STATE, "graph '%s' has no nodes", g->name);
    for (uint32_t i = 0; i < g->numTensors; i++) {
        Tensor *t = &g->tensors[i];
        if (t->type == TT_NATIVE && t->native == NULL) {
            t->native = calloc(1, tensor_bytes(t));
            if (t->native == NULL) return fail(slot, E_MEMORY, "out of memory for native tensor '%s'", t->name);
        }
    }
    g->finalized = 1;
    return 0;
}

static Qnn_ErrorHandle_t graphFinalize(void *graph, void *profile, void *signal) {
    (void) profile;
    ENTER(19);
    Object *g = find(graph, K_GRAPH);
    if (g == NULL) RETURN(fail(19, E_INVALID_HANDLE, "graphFinalize: bad graph handle %p", graph));
    if (signal != NULL) RETURN(fail(19, E_UNSUPPORTED, "graphFinalize: signals are not supported"));
    if (g->finalized) RETURN(fail(19, E_GRAPH_STATE, "graphFinalize: graph '%s' is already finalized", g->name));
    Qnn_ErrorHandle_t e = finalize(19, g);
    if (e) RETURN(e);
    counters[C_GRAPHS_FINALIZED]++;
    RETURN(0);
}

static Qnn_ErrorHandle_t graphRetrieve(void *context, const char *name, void **out) {
    ENTER(20);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(20, E_INVALID_HANDLE, "graphRetrieve: bad context handle %p", context));
    if (name == NULL || out == NULL) RETURN(fail(20, E_NULL_ARG, "graphRetrieve: name or output pointer is NULL"));
    Object *g = graph_by_name(c, name);
    if (g == NULL) RETURN(fail(20, E_NO_SUCH_GRAPH, "graphRetrieve: no graph named '%s' in this context", name));
    counters[C_GRAPHS_RETRIEVED]++;
    *out = g;
    RETURN(0);
}

/* ---------------------------------------------------------------- execution */

static int64_t read_q(const void *base, uint32_t dt, uint64_t i) {
    switch (dt) {
        case DT_UFIXED_8: return ((const uint8_t *) base)[i];
        case DT_SFIXED_8: return ((const int8_t *) base)[i];
        case DT_UFIXED_16: return ((const uint16_t *) base)[i];
        default: return ((const int16_t *) base)[i];
    }
}

/*
 * Requantization of the exact accumulator (QNN-ABI.md: real = (q + offset) * scale):
 *   real = acc * (scale0 * scale1), q_out = rint(real / scale_out) - offset_out, saturated to the output type.
 * All in IEEE double with round-half-even, so a Java reference doing the same operations gets identical bits.
 */
static void store_q(void *base, uint32_t dt, uint64_t i, int64_t acc, double inScale, const Tensor *o) {
    double real = (double) acc * inScale;
    double q = nearbyint(real / (double) o->scale) - (double) o->offset;
    double lo = dt == DT_SFIXED_8 ? -128.0 : 0.0, hi = dt == DT_UFIXED_8 ? 255.0 : dt == DT_SFIXED_8 ? 127.0 : 65535.0;
    if (q < lo) q = lo;
    if (q > hi) q = hi;
    switch (dt) {
        case DT_UFIXED_8: ((uint8_t *) base)[i] = (uint8_t) q; break;
        case DT_SFIXED_8: ((int8_t *) base)[i] = (int8_t) q; break;
        default: ((uint16_t *) base)[i] = (uint16_t) q; break;
    }
}

/* Levels (stored value + offset) of one batch slice, widened to int32 so the product loop is tight. */
static void widen(const void *base, const Tensor *t, uint64_t first, uint64_t count, int32_t *dst) {
    for (uint64_t i = 0; i < count; i++) dst[i] = (int32_t) (read_q(base, t->dataType, first + i) + t->offset);
}

static int matmul(const Node *n, const Tensor *a, const void *pa, const Tensor *b, const void *pb,
                  const Tensor *o, void *po) {
    uint32_t r = a->rank;
    uint64_t batch = 1;
    for (uint32_t i = 0; i + 2 < r; i++) batch *= a->dims[i];
    uint64_t m = o->dims[r - 2], nn = o->dims[r - 1];
    uint64_t k = n->transpose0 ? a->dims[r - 2] : a->dims[r - 1];
    double inScale = (double) a->scale * (double) b->scale;
    /* A as [m][k] and B as [n][k] (row i of A and row j of B are contiguous), whatever the transpose flags. */
    int32_t *la = malloc(m * k * sizeof(int32_t)), *lb = malloc(nn * k * sizeof(int32_t));
    int32_t *ta = malloc(m * k * sizeof(int32_t)), *tb = malloc(nn * k * sizeof(int32_t));
    if (!la || !lb || !ta || !tb) { free(la); free(lb); free(ta); free(tb); return 1; }
    for (uint64_t bt = 0; bt < batch; bt++) {
        widen(pa, a, bt * m * k, m * k, ta);
        widen(pb, b, bt * k * nn, k * nn, tb);
        for (uint64_t i = 0; i < m; i++)
            for (uint64_t p = 0; p < k; p++) la[i * k + p] = n->transpose0 ? ta[p * m + i] : ta[i * k + p];
        for (uint64_t j = 0; j < nn; j++)
            for (uint64_t p = 0; p < k; p++) lb[j * k + p] = n->transpose1 ? tb[j * k + p] : tb[p * nn + j];
        uint64_t obase = bt * m * nn;
        for (uint64_t i = 0; i < m; i++) {
            const int32_t *x = la + i * k;
            for (uint64_t j = 0; j < nn; j++) {
                const int32_t *y = lb + j * k;
                int64_t acc = 0;
                for (uint64_t p = 0; p < k; p++) acc += (int64_t) x[p] * y[p];
                store_q(po, o->dataType, obase + i * nn + j, acc, inScale, o);
            }
        }
    }
    free(la); free(lb); free(ta); free(tb);
    return 0;
}

/* Binds client buffers of one direction; every graph tensor of that direction must be bound exactly once. */
static Qnn_ErrorHandle_t bind(Object *g, const Qnn_Tensor_t *ts, uint32_t n, int input, void **buffers) {
    const char *dir = input ? "input" : "output";
    for (uint32_t i = 0; i < n; i++) {
        Tensor *t = graph_tensor(g, ts[i].u.v1.id);
        if (ts[i].version != 1 || t == NULL) {
            return fail(21, E_EXECUTE, "graphExecute: %s %u has unknown tensor id %u", dir, i, ts[i].u.v1.id);
        }
        int ok = input ? (t->type == TT_APP_WRITE || t->type == TT_APP_READWRITE)
                       : (t->type == TT_APP_READ || t->type == TT_APP_READWRITE);
        if (!ok) return fail(21, E_EXECUTE, "graphExecute: tensor '%s' cannot be an %s", t->name, dir);
        if (ts[i].u.v1.memType != MEM_RAW) {
            return fail(21, E_UNSUPPORTED, "graphExecute: %s '%s' uses memory handles (not supported here)", dir, t->name);
        }
        const Qnn_ClientBuffer_t *cb = &ts[i].u.v1.memory.clientBuf;
        if (cb->data == NULL) return fail(21, E_EXECUTE, "graphExecute: %s '%s' has no client buffer", dir, t->name);
        if (cb->dataSize != tensor_bytes(t)) {
            return fail(21, E_EXECUTE, "graphExecute: %s '%s' buffer has %u bytes, expected %llu", dir, t->name,
                        cb->dataSize, (unsigned long long) tensor_bytes(t));
        }
        uint32_t idx = (uint32_t) (t - g->tensors);
        if (buffers[idx] != NULL) return fail(21, E_EXECUTE, "graphExecute: tensor '%s' bound twice", t->name);
        buffers[idx] = cb->data;
    }
    for (uint32_t i = 0; i < g->numTensors; i++) {
        Tensor *t = &g->tensors[i];
        int wanted = input ? t->type == TT_APP_WRITE : t->type == TT_APP_READ;
        if (wanted && buffers[i] == NULL) {
            return fail(21, E_EXECUTE, "graphExecute: %s '%s' of graph '%s' was not given", dir, t->name, g->name);
        }
    }
    return 0;
}

static Qnn_ErrorHandle_t graphExecute(void *graph, const Qnn_Tensor_t *in, uint32_t nIn, Qnn_Tensor_t *out,
                                      uint32_t nOut, void *profile, void *signal) {
    (void) profile;
    ENTER(21);
    Object *g = find(graph, K_GRAPH);
    if (g == NULL) RETURN(fail(21, E_INVALID_HANDLE, "graphExecute: bad graph handle %p", graph));
    if (!g->finalized) RETURN(fail(21, E_GRAPH_STATE, "graphExecute: graph '%s' is not finalized", g->name));
    if (signal != NULL) RETURN(fail(21, E_UNSUPPORTED, "graphExecute: signals are not supported"));
    if ((nIn > 0 && in == NULL) || (nOut > 0 && out == NULL)) RETURN(fail(21, E_NULL_ARG, "graphExecute: NULL tensors"));
    void **buffers = calloc(g->numTensors, sizeof(void *));
    if (buffers == NULL) RETURN(fail(21, E_MEMORY, "graphExecute: out of memory"));
    Qnn_ErrorHandle_t e = bind(g, in, nIn, 1, buffers);
    if (!e) e = bind(g, out, nOut, 0, buffers);
    if (!e) {
        for (uint32_t i = 0; i < g->numTensors; i++) {
            if (g->tensors[i].type == TT_NATIVE) buffers[i] = g->tensors[i].native;
        }
        for (uint32_t i = 0; i < g->numNodes; i++) {
            Node *n = &g->nodes[i];
            Tensor *a = graph_tensor(g, n->in0), *b = graph_tensor(g, n->in1), *o = graph_tensor(g, n->out);
            void *pa = buffers[a - g->tensors], *pb = buffers[b - g->tensors], *po = buffers[o - g->tensors];
            if (pa == NULL || pb == NULL || po == NULL) {
                e = fail(21, E_EXECUTE, "graphExecute: node '%s' has an unbound tensor", n->name);
                break;
            }
            if (matmul(n, a, pa, b, pb, o, po)) {
                e = fail(21, E_MEMORY, "graphExecute: out of memory in node '%s'", n->name);
                break;
            }
        }
    }
    free(buffers);
    if (!e) counters[C_EXECUTES]++;
    RETURN(e);
}

/* ---------------------------------------------------------------- context binaries */
/*
 * Format (ours): "QNNREF01", u32 graph count, then per graph: name, u32 tensor count, tensors (u32 id, type,
 * dataType, rank, dims[4], float scale, int32 offset, name), u32 node count, nodes (name, u8 t0, u8 t1, u32 in0,
 * in1, out); then a u64 FNV-1a checksum of everything before it. Strings are u32 length + bytes. Little-endian.
 */
typedef struct { uint8_t *p; uint64_t n, cap; int counting; } Writer;

static void put(Writer *w, const void *src, uint64_t n) {
    if (!w->counting && w->n + n <= w->cap) memcpy(w->p + w->n, src, n);
    w->n += n;
}
static void put_u32(Writer *w, uint32_t v) { put(w, &v, 4); }
static void put_str(Writer *w, const char *s) { uint32_t n = (uint32_t) strlen(s); put_u32(w, n); put(w, s, n); }

static uint64_t fnv1a(const uint8_t *p, uint64_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (uint64_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ULL; }
    return h;
}

static void serialize(Object *c, Writer *w) {
    put(w, "QNNREF01", 8);
    uint32_t count = 0;
    for (Object *o = registry; o != NULL; o = o->next) if (o->kind == K_GRAPH && o->owner == c) count++;
    put_u32(w, count);
    for (Object *g = registry; g != NULL; g = g->next) {
        if (g->kind != K_GRAPH || g->owner != c) continue;
        put_str(w, g->name);
        put_u32(w, g->numTensors);
        for (uint32_t i = 0; i < g->numTensors; i++) {
            Tensor *t = &g->tensors[i];
            put_u32(w, t->id); put_u32(w, t->type); put_u32(w, t->dataType); put_u32(w, t->rank);
            put(w, t->dims, 16); put(w, &t->scale, 4); put(w, &t->offset, 4);
            put_str(w, t->name);
        }
        put_u32(w, g->numNodes);
        for (uint32_t i = 0; i < g->numNodes; i++) {
            Node *n = &g->nodes[i];
            put_str(w, n->name); put(w, &n->transpose0, 1); put(w, &n->transpose1, 1);
            put_u32(w, n->in0); put_u32(w, n->in1); put_u32(w, n->out);
        }
    }
}

static Qnn_ErrorHandle_t check_saveable(uint32_t slot, Object *c) {
    for (Object *g = registry; g != NULL; g = g->next) {
        if (g->kind == K_GRAPH && g->owner == c && !g->finalized) {
            return fail(slot, E_GRAPH_STATE, "graph '%s' is not finalized", g->name);
        }
    }
    return 0;
}

static Qnn_ErrorHandle_t contextGetBinarySize(void *context, uint64_t *size) {
    ENTER(11);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(11, E_INVALID_HANDLE, "contextGetBinarySize: bad context handle %p", context));
    if (size == NULL) RETURN(fail(11, E_NULL_ARG, "contextGetBinarySize: output pointer is NULL"));
    Qnn_ErrorHandle_t e = check_saveable(11, c);
    if (e) RETURN(e);
    Writer w = {NULL, 0, 0, 1};
    serialize(c, &w);
    *size = w.n + 8;
    RETURN(0);
}

static Qnn_ErrorHandle_t contextGetBinary(void *context, void *buf, uint64_t size, uint64_t *written) {
    ENTER(12);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(12, E_INVALID_HANDLE, "contextGetBinary: bad context handle %p", context));
    if (buf == NULL || written == NULL) RETURN(fail(12, E_NULL_ARG, "contextGetBinary: NULL buffer or output"));
    Qnn_ErrorHandle_t e = check_saveable(12, c);
    if (e) RETURN(e);
    Writer count = {NULL, 0, 0, 1};
    serialize(c, &count);
    if (count.n + 8 > size) {
        RETURN(fail(12, E_MEMORY, "contextGetBinary: buffer of %llu bytes, need %llu", (unsigned long long) size,
                    (unsigned long long) (count.n + 8)));
    }
    Writer w = {buf, 0, size, 0};
    serialize(c, &w);
    uint64_t h = fnv1a(buf, w.n);
    put(&w, &h, 8);
    *written = w.n;
    counters[C_BINARIES_SAVED]++;
    RETURN(0);
}

typedef struct { const uint8_t *p; uint64_t n, at; int bad; } Reader;

static void get(Reader *r, void *dst, uint64_t n) {
    if (r->bad || r->at + n > r->n) { r->bad = 1; memset(dst, 0, n); return; }
    memcpy(dst, r->p + r->at, n);
    r->at += n;
}
static uint32_t get_u32(Reader *r) { uint32_t v; get(r, &v, 4); return v; }
static char *get_str(Reader *r) {
    uint32_t n = get_u32(r);
    if (r->bad || n > 4096 || r->at + n > r->n) { r->bad = 1; return NULL; }
    char *s = malloc(n + 1);
    if (s == NULL) { r->bad = 1; return NULL; }
    memcpy(s, r->p + r->at, n);
    s[n] = 0;
    r->at += n;
    return s;
}

static Qnn_ErrorHandle_t restore_graph(Reader *r, Object *c) {
    char *name = get_str(r);
    if (name == NULL) return fail(13, E_INVALID_BINARY, "contextCreateFromBinary: truncated graph name");
    Object *g = new_object(K_GRAPH, c);
    if (g == NULL) { free(name); return fail(13, E_MEMORY, "contextCreateFromBinary: out of memory"); }
    g->name = name;
    uint32_t nt = get_u32(r);
    if (nt > 1024) r->bad = 1;
    for (uint32_t i = 0; i < nt && !r->bad; i++) {
        Tensor t;
        memset(&t, 0, sizeof t);
        t.id = get_u32(r); t.type = get_u32(r); t.dataType = get_u32(r); t.rank = get_u32(r);
        get(r, t.dims, 16); get(r, &t.scale, 4); get(r, &t.offset, 4);
        char *tn = get_str(r);
        if (r->bad || t.rank < 1 || t.rank > 4 || element_size(t.dataType) == 0) { free(tn); r->bad = 1; break; }
        if (add_tensor(g, &t, tn)) r->bad = 1;
        free(tn);
    }
    uint32_t nn = get_u32(r);
    if (nn > 1024) r->bad = 1;
    for (uint32_t i = 0; i < nn && !r->bad; i++) {
        Node n;
        n.name = get_str(r);
        get(r, &n.transpose0, 1); get(r, &n.transpose1, 1);
        n.in0 = get_u32(r); n.in1 = get_u32(r); n.out = get_u32(r);
        if (r->bad || !graph_tensor(g, n.in0) || !graph_tensor(g, n.in1) || !graph_tensor(g, n.out)) {
            free(n.name);
            r->bad = 1;
            break;
        }
        Node *nodes = realloc(g->nodes, (g->numNodes + 1) * sizeof(Node));
        if (nodes == NULL) { free(n.name); r->bad = 1; break; }
        g->nodes = nodes;
        g->nodes[g->numNodes++] = n;
    }
    if (r->bad) return fail(13, E_INVALID_BINARY, "contextCreateFromBinary: graph '%s' is malformed", g->name);
    return finalize(13, g);
}

static Qnn_ErrorHandle_t contextCreateFromBinary(void *backend, void *device, const void **config, const void *buf,
                                                 uint64_t size, void **out, void *profile) {
    (void) profile;
    ENTER(13);
    if (out == NULL || buf == NULL) RETURN(fail(13, E_NULL_ARG, "contextCreateFromBinary: NULL buffer or output"));
    Qnn_ErrorHandle_t e = context_args(13, backend, device, config);
    if (e) RETURN(e);
    if (size < 20 || memcmp(buf, "QNNREF01", 8) != 0) {
        RETURN(fail(13, E_INVALID_BINARY, "contextCreateFromBinary: not a qnnref context binary (%llu bytes)",
                    (unsigned long long) size));
    }
    uint64_t h;
    memcpy(&h, (const uint8_t *) buf + size - 8, 8);
    if (h != fnv1a(buf, size - 8)) RETURN(fail(13, E_INVALID_BINARY, "contextCreateFromBinary: checksum mismatch"));
    Object *c = new_object(K_CONTEXT, find(backend, K_BACKEND));
    if (c == NULL) RETURN(fail(13, E_MEMORY, "contextCreateFromBinary: out of memory"));
    Reader r = {buf, size - 8, 8, 0};
    uint32_t graphs = get_u32(&r);
    for (uint32_t i = 0; i < graphs && !e; i++) e = restore_graph(&r, c);
    if (!e && r.at != r.n) e = fail(13, E_INVALID_BINARY, "contextCreateFromBinary: %llu trailing bytes",
                                    (unsigned long long) (r.n - r.at));
    if (e) {
        for (Object *o = registry; o != NULL;) {
            Object *next = o->next;
            if (o->owner == c) delete_object(o);
            o = next;
        }
        delete_object(c);
        RETURN(e);
    }
    counters[C_CONTEXTS_FROM_BINARY]++;
    *out = c;
    RETURN(0);
}

/* ---------------------------------------------------------------- memory registration */

static Qnn_ErrorHandle_t memRegister(void *context, const Qnn_MemDescriptor_t *desc, uint32_t n, void **out) {
    ENTER(35);
    Object *c = find(context, K_CONTEXT);
    if (c == NULL) RETURN(fail(35, E_INVALID_HANDLE, "memRegister: bad context handle %p", context));
    if (desc == NULL || out == NULL) RETURN(fail(35, E_NULL_ARG, "memRegister: NULL descriptors or output"));
    for (uint32_t i = 0; i < n; i++) {
        if (desc[i].memType != 1 && desc[i].memType != 2) {
            RETURN(fail(35, E_UNSUPPORTED, "memRegister: descriptor %u has memory type %u", i, desc[i].memType));
        }
        if (desc[i].memShape.numDim == 0 || desc[i].memShape.dimSize == NULL || element_size(desc[i].dataType) == 0) {
            RETURN(fail(35, E_INVALID_TENSOR, "memRegister: descriptor %u has no shape or a bad data type", i));
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        Object *m = new_object(K_MEM, c);
        if (m == NULL) RETURN(fail(35, E_MEMORY, "memRegister: out of memory"));
        out[i] = m;
    }
    RETURN(0);
}

static Qnn_ErrorHandle_t memDeRegister(void *const *handles, uint32_t n) {
    ENTER(36);
    if (handles == NULL) RETURN(fail(36, E_NULL_ARG, "memDeRegister: NULL handles"));
    for (uint32_t i = 0; i < n; i++) {
        if (find(handles[i], K_MEM) == NULL) RETURN(fail(36, E_INVALID_HANDLE, "memDeRegister: handle %u is not live", i));
    }
    for (uint32_t i = 0; i < n; i++) delete_object(find(handles[i], K_MEM));
    RETURN(0);
}

/* ---------------------------------------------------------------- errors and versions */

static Qnn_ErrorHandle_t errorGetMessage(Qnn_ErrorHandle_t err, const char **msg) {
    if (msg == NULL) return ((uint64_t) 48 << 32) | E_NULL_ARG;
    uint32_t code = (uint32_t) (err & 0xFFFF);
    if (code == detail_code && detail[0]) {
        snprintf(message, sizeof message, "%s: %s", code_name(code), detail);
    } else {
        snprintf(message, sizeof message, "%s", code_name(code));
    }
    *msg = message;
    return 0;
}

static QnnInterface_t providers[3];
static const QnnInterface_t *provider_list[3];

static Qnn_ErrorHandle_t backendGetApiVersion(Qnn_ApiVersion_t *out) {
    ENTER(3);
    if (out == NULL) RETURN(fail(3, E_NULL_ARG, "backendGetApiVersion: output pointer is NULL"));
    *out = providers[1].apiVersion;
    RETURN(0);
}

static const char *slot_name(uint32_t slot) {
    switch (slot) {
        case 1: return "backendCreate"; case 3: return "backendGetApiVersion"; case 4: return "backendGetBuildId";
        case 7: return "backendValidateOpConfig"; case 8: return "backendFree"; case 9: return "contextCreate";
        case 11: return "contextGetBinarySize"; case 12: return "contextGetBinary";
        case 13: return "contextCreateFromBinary"; case 14: return "contextFree"; case 15: return "graphCreate";
        case 18: return "graphAddNode"; case 19: return "graphFinalize"; case 20: return "graphRetrieve";
        case 21: return "graphExecute"; case 24: return "tensorCreateGraphTensor"; case 25: return "logCreate";
        case 27: return "logFree"; case 35: return "memRegister"; case 36: return "memDeRegister";
        case 40: return "deviceCreate"; case 43: return "deviceFree"; case 48: return "errorGetMessage";
        default: return "?";
    }
}

static void init_providers(void) {
    static int done;
    if (done) return;
    done = 1;
    const char *names[3] = {"qnnref-legacy", "qnnref", "qnnref-next"};
    uint32_t majors[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        providers[i].backendId = 3;
        providers[i].providerName = names[i];
        providers[i].apiVersion.coreApiVersion = (Qnn_Version_t) {majors[i], 14, 0};
        providers[i].apiVersion.backendApiVersion = (Qnn_Version_t) {1, 0, 0};
        provider_list[i] = &providers[i];
    }
    void **t = providers[1].table;          /* only the 2.x provider has functions */
    t[1] = (void *) backendCreate; t[3] = (void *) backendGetApiVersion; t[4] = (void *) backendGetBuildId;
    t[7] = (void *) backendValidateOpConfig; t[8] = (void *) backendFree; t[9] = (void *) contextCreate;
    t[11] = (void *) contextGetBinarySize; t[12] = (void *) contextGetBinary;
    t[13] = (void *) contextCreateFromBinary; t[14] = (void *) contextFree; t[15] = (void *) graphCreate;
    t[18] = (void *) graphAddNode; t[19] = (void *) graphFinalize; t[20] = (void *) graphRetrieve;
    t[21] = (void *) graphExecute; t[24] = (void *) tensorCreateGraphTensor; t[25] = (void *) logCreate;
    t[27] = (void *) logFree; t[35] = (void *) memRegister; t[36] = (void *) memDeRegister;
    t[40] = (void *) deviceCreate; t[43] = (void *) deviceFree; t[48] = (void *) errorGetMessage;
}

#ifndef QNNREF_NO_ENTRY
/* QNN-ABI.md: uint64 QnnInterface_getProviders(const QnnInterface_t*** providerList, uint32* numProviders). */
Qnn_ErrorHandle_t QnnInterface_getProviders(const QnnInterface_t ***providerList, uint32_t *numProviders) {
    pthread_mutex_lock(&lock);
    init_providers();
    Qnn_ErrorHandle_t inj = injected(0);
    if (inj == 0 && (providerList == NULL || numProviders == NULL)) inj = fail(0, E_NULL_ARG, "getProviders: NULL output");
    if (inj == 0) {
        *providerList = provider_list;
        *numProviders = 3;
    }
    pthread_mutex_unlock(&lock);
    return inj;
}
#endif

/* ---------------------------------------------------------------- test controls (not part of the QNN ABI) */

/* Arms a one-shot failure: after `skip` successful calls of `slot` (0 = getProviders), the next one fails. */
void qnnref_inject_failure(uint32_t slot, uint32_t skip, uint64_t code) {
    pthread_mutex_lock(&lock);
    inject.armed = 1;
    inject.slot = slot;
    inject.skip = skip;
    inject.code = code;
    pthread_mutex_unlock(&lock);
}

void qnnref_clear_failure(void) {
    pthread_mutex_lock(&lock);
    inject.armed = 0;
    pthread_mutex_unlock(&lock);
}

/* Replaces the build id (NULL restores the default), to test cache invalidation. */
void qnnref_set_build_id(const char *id) {
    pthread_mutex_lock(&lock);
    if (id == NULL) build_id[0] = 0;
    else snprintf(build_id, sizeof build_id, "%s", id);
    pthread_mutex_unlock(&lock);
}

/* Sets a provider's core API version (index 0..2), to test provider selection. */
void qnnref_set_core_version(uint32_t index, uint32_t major, uint32_t minor) {
    pthread_mutex_lock(&lock);
    init_providers();
    if (index < 3) {
        providers[index].apiVersion.coreApiVersion.major = major;
        providers[index].apiVersion.coreApiVersion.minor = minor;
    }
    pthread_mutex_unlock(&lock);
}

/* Frees every live handle (test hygiene after an injected failure of a free function); returns how many. */
int64_t qnnref_free_all(void) {
    pthread_mutex_lock(&lock);
    int64_t n = 0;
    while (registry != NULL) {
        delete_object(registry);
        n++;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

/* A named counter, or -1 for an unknown name; "live_objects" sums every live handle. */
int64_t qnnref_counter(const char *name) {
    pthread_mutex_lock(&lock);
    int64_t v = -1;
    if (strcmp(name, "live_objects") == 0) {
        v = 0;
        for (int i = C_LIVE_LOG; i <= C_LIVE_MEM; i++) v += counters[i];
    }
    for (int i = 0; i < C_COUNT; i++) if (strcmp(name, counter_names[i]) == 0) v = counters[i];
    pthread_mutex_unlock(&lock);
    return v;
}

/* sizeof of one of our ABI structs by name, or -1. */
int64_t qnnref_sizeof(const char *type) {
#define S(T) if (strcmp(type, #T) == 0) return (int64_t) sizeof(T);
    S(Qnn_QuantizeParams_t) S(Qnn_ScaleOffset_t) S(Qnn_ClientBuffer_t) S(Qnn_TensorV1_t) S(Qnn_Tensor_t)
    S(Qnn_Scalar_t) S(Qnn_Param_t) S(Qnn_OpConfigV1_t) S(Qnn_OpConfig_t) S(Qnn_MemShape_t) S(Qnn_MemDescriptor_t)
    S(Qnn_Version_t) S(Qnn_ApiVersion_t)
#undef S
    return -1;
}

/* offsetof a dotted member path of one of our ABI structs, or -1. Paths name members as the Java layouts do. */
int64_t qnnref_offsetof(const char *type, const char *field) {
#define O(T, path, expr) if (strcmp(type, #T) == 0 && strcmp(field, path) == 0) return (int64_t) offsetof(T, expr);
    O(Qnn_QuantizeParams_t, "encodingDefinition", encodingDefinition)
    O(Qnn_QuantizeParams_t, "quantizationEncoding", quantizationEncoding)
    O(Qnn_QuantizeParams_t, "encoding.scaleOffset.scale", encoding.scaleOffset.scale)
    O(Qnn_QuantizeParams_t, "encoding.scaleOffset.offset", encoding.scaleOffset.offset)
    O(Qnn_ClientBuffer_t, "data", data)
    O(Qnn_ClientBuffer_t, "dataSize", dataSize)
    O(Qnn_TensorV1_t, "id", id)
    O(Qnn_TensorV1_t, "name", name)
    O(Qnn_TensorV1_t, "type", type)
    O(Qnn_TensorV1_t, "dataFormat", dataFormat)
    O(Qnn_TensorV1_t, "dataType", dataType)
    O(Qnn_TensorV1_t, "quantizeParams", quantizeParams)
    O(Qnn_TensorV1_t, "rank", rank)
    O(Qnn_TensorV1_t, "dimensions", dimensions)
    O(Qnn_TensorV1_t, "memType", memType)
    O(Qnn_TensorV1_t, "memory.clientBuf", memory.clientBuf)
    O(Qnn_TensorV1_t, "memory.clientBuf.dataSize", memory.clientBuf.dataSize)
    O(Qnn_TensorV1_t, "memory.memHandle", memory.memHandle)
    O(Qnn_Tensor_t, "version", version)
    O(Qnn_Tensor_t, "u.v1", u.v1)
    O(Qnn_Tensor_t, "u.v1.rank", u.v1.rank)
    O(Qnn_Scalar_t, "dataType", dataType)
    O(Qnn_Scalar_t, "value.bool8", value.bool8)
    O(Qnn_Scalar_t, "value.int32", value.int32)
    O(Qnn_Param_t, "paramType", paramType)
    O(Qnn_Param_t, "name", name)
    O(Qnn_Param_t, "u.scalarParam", u.scalarParam)
    O(Qnn_Param_t, "u.scalarParam.value.bool8", u.scalarParam.value.bool8)
    O(Qnn_Param_t, "u.tensorParam", u.tensorParam)
    O(Qnn_OpConfigV1_t, "name", name)
    O(Qnn_OpConfigV1_t, "packageName", packageName)
    O(Qnn_OpConfigV1_t, "typeName", typeName)
    O(Qnn_OpConfigV1_t, "numOfParams", numOfParams)
    O(Qnn_OpConfigV1_t, "params", params)
    O(Qnn_OpConfigV1_t, "numOfInputs", numOfInputs)
    O(Qnn_OpConfigV1_t, "inputTensors", inputTensors)
    O(Qnn_OpConfigV1_t, "numOfOutputs", numOfOutputs)
    O(Qnn_OpConfigV1_t, "outputTensors", outputTensors)
    O(Qnn_OpConfig_t, "version", version)
    O(Qnn_OpConfig_t, "u.v1", u.v1)
    O(Qnn_OpConfig_t, "u.v1.outputTensors", u.v1.outputTensors)
    O(Qnn_MemDescriptor_t, "memShape.numDim", memShape.numDim)
    O(Qnn_MemDescriptor_t, "memShape.dimSize", memShape.dimSize)
    O(Qnn_MemDescriptor_t, "memShape.shapeConfig", memShape.shapeConfig)
    O(Qnn_MemDescriptor_t, "dataType", dataType)
    O(Qnn_MemDescriptor_t, "memType", memType)
    O(Qnn_MemDescriptor_t, "info.fd", info.fd)
    O(Qnn_MemDescriptor_t, "info.customInfo", info.customInfo)
    O(QnnInterface_t, "backendId", backendId)
    O(QnnInterface_t, "providerName", providerName)
    O(QnnInterface_t, "apiVersion.coreApiVersion.major", apiVersion.coreApiVersion.major)
    O(QnnInterface_t, "apiVersion.coreApiVersion.minor", apiVersion.coreApiVersion.minor)
    O(QnnInterface_t, "apiVersion.backendApiVersion.major", apiVersion.backendApiVersion.major)
    O(QnnInterface_t, "table", table)
#undef O
    return -1;
}
