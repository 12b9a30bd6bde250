/*
 * eos_native: OpenBLAS sgemm on ArrayBuffers (the tfjs wasm heap), zero-copy.
 *
 * Every matrix is addressed by a byte offset into one ArrayBuffer, so the
 * kernel reads its inputs and writes its output where the wasm backend keeps
 * tensor data. Row-major; C is contiguous [batch, m, n]; a batch stride of 0
 * broadcasts that operand. All ranges are checked against the buffer length.
 */
#include <cblas.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX_ARGS 12

#define NAPI_CALL(env, call)                                        \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      napi_throw_error((env), NULL, "eos_native: N-API call failed: " #call); \
      return NULL;                                                  \
    }                                                               \
  } while (0)

static bool get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* Is [offset, offset + 4 * elements) inside a buffer of `length` bytes, 4-byte aligned? */
static bool in_range(int64_t offset, int64_t elements, size_t length) {
  return offset >= 0 && elements >= 0 && offset % 4 == 0 && (uint64_t)(offset + 4 * elements) <= length;
}

/*
 * gemm(buffer, batch, transA, transB, m, n, k, aOffset, aStride, bOffset, bStride, cOffset)
 * C[i] = op(A[i]) op(B[i]) for i < batch, with op(A) m x k and op(B) k x n;
 * offsets in bytes, batch strides in elements.
 */
static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != MAX_ARGS) {
    napi_throw_type_error(env, NULL, "eos_native.gemm: expected 12 arguments");
    return NULL;
  }
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "eos_native.gemm: first argument must be an ArrayBuffer");
    return NULL;
  }
  bool transA, transB;
  int64_t batch, m, n, k, aOff, aStride, bOff, bStride, cOff;
  if (napi_get_value_bool(env, argv[2], &transA) != napi_ok || napi_get_value_bool(env, argv[3], &transB) != napi_ok ||
      !get_int(env, argv[1], &batch) || !get_int(env, argv[4], &m) || !get_int(env, argv[5], &n) ||
      !get_int(env, argv[6], &k) || !get_int(env, argv[7], &aOff) || !get_int(env, argv[8], &aStride) ||
      !get_int(env, argv[9], &bOff) || !get_int(env, argv[10], &bStride) || !get_int(env, argv[11], &cOff)) {
    napi_throw_type_error(env, NULL, "eos_native.gemm: bad argument types");
    return NULL;
  }
  const int64_t limit = INT32_MAX;
  if (batch < 1 || m < 1 || n < 1 || k < 1 || m > limit || n > limit || k > limit || aStride < 0 || bStride < 0 ||
      !in_range(aOff, (batch - 1) * aStride + m * k, length) || !in_range(bOff, (batch - 1) * bStride + k * n, length) ||
      !in_range(cOff, batch * m * n, length)) {
    napi_throw_range_error(env, NULL, "eos_native.gemm: dimensions or offsets outside the buffer");
    return NULL;
  }
  float *base = (float *)data;
  const float *A = base + aOff / 4;
  const float *B = base + bOff / 4;
  float *C = base + cOff / 4;
  const int lda = transA ? (int)m : (int)k;
  const int ldb = transB ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                (int)k, 1.0f, A + i * aStride, lda, B + i * bStride, ldb, 0.0f, C + i * m * n, (int)n);
  }
  return NULL;
}

/* setThreads(n): OpenBLAS worker threads for subsequent calls. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t threads;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !get_int(env, argv[0], &threads) || threads < 1 || threads > 1024) {
    napi_throw_range_error(env, NULL, "eos_native.setThreads: expected an integer in [1, 1024]");
    return NULL;
  }
  openblas_set_num_threads((int)threads);
  return NULL;
}

/* info(): { threads, config } of the loaded OpenBLAS (config names the chosen CPU kernels). */
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, threads, config;
  NAPI_CALL(env, napi_create_object(env, &result));
  NAPI_CALL(env, napi_create_int32(env, openblas_get_num_threads(), &threads));
  NAPI_CALL(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
  NAPI_CALL(env, napi_set_named_property(env, result, "threads", threads));
  NAPI_CALL(env, napi_set_named_property(env, result, "config", config));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
