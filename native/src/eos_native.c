/*
 * eos_native: kernels for the tfjs wasm backend that run zero-copy on its heap
 * (an ArrayBuffer): OpenBLAS sgemm and the element-wise kernels of
 * elementwise.c. Every array is addressed by a byte offset into that buffer,
 * so inputs are read and outputs written where the backend keeps tensor data.
 * All ranges are checked against the buffer length before any access.
 * Besides, dgemv on Float64Arrays for the float64 bookkeeping of Lanczos, and
 * the loss, gradient and Hessian-vector product of dense stacks (dense.c) and of
 * the CNN (cnn.c) in one call each.
 */
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cnn.h"
#include "dense.h"
#include "elementwise.h"

#define GEMM_ARGS 12

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

/* Is [offset, offset + width * elements) inside a buffer of `length` bytes, aligned to width? */
static bool in_range_of(int64_t offset, int64_t elements, int64_t width, size_t length) {
  return offset >= 0 && elements >= 0 && offset % width == 0 && (uint64_t)(offset + width * elements) <= length;
}

static bool in_range(int64_t offset, int64_t elements, size_t length) {
  return in_range_of(offset, elements, 4, length);
}

/* Reads exactly `expected` arguments, the first an ArrayBuffer (its data and byte length); throws `name` otherwise. */
static bool get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, void **data, size_t *length,
                     const char *name) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_type_error(env, NULL, name);
    return false;
  }
  if (napi_get_arraybuffer_info(env, argv[0], data, length) != napi_ok) {
    napi_throw_type_error(env, NULL, name);
    return false;
  }
  return true;
}

static bool get_ints(napi_env env, napi_value *argv, size_t count, int64_t *out) {
  for (size_t i = 0; i < count; i++) {
    if (!get_int(env, argv[i], &out[i])) return false;
  }
  return true;
}

/*
 * gemm(buffer, batch, transA, transB, m, n, k, aOffset, aStride, bOffset, bStride, cOffset)
 * C[i] = op(A[i]) op(B[i]) for i < batch, with op(A) m x k and op(B) k x n;
 * offsets in bytes, batch strides in elements.
 */
static napi_value gemm(napi_env env, napi_callback_info info) {
  napi_value argv[GEMM_ARGS];
  void *data;
  size_t length;
  if (!get_args(env, info, GEMM_ARGS, argv, &data, &length, "eos_native.gemm: expected (ArrayBuffer, 11 numbers)")) return NULL;
  bool transA, transB;
  int64_t batch, dims[3], rest[5];
  if (napi_get_value_bool(env, argv[2], &transA) != napi_ok || napi_get_value_bool(env, argv[3], &transB) != napi_ok ||
      !get_int(env, argv[1], &batch) || !get_ints(env, argv + 4, 3, dims) || !get_ints(env, argv + 7, 5, rest)) {
    napi_throw_type_error(env, NULL, "eos_native.gemm: bad argument types");
    return NULL;
  }
  const int64_t m = dims[0], n = dims[1], k = dims[2];
  const int64_t aOff = rest[0], aStride = rest[1], bOff = rest[2], bStride = rest[3], cOff = rest[4];
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

/* unary(buffer, op, xOffset, yOffset, n): y = tanh(x) (op 0) or exp(x) (op 1). */
static napi_value unary(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void *data;
  size_t length;
  int64_t a[4];
  if (!get_args(env, info, 5, argv, &data, &length, "eos_native.unary: expected (ArrayBuffer, 4 numbers)")) return NULL;
  if (!get_ints(env, argv + 1, 4, a) || a[0] < UNARY_TANH || a[0] > UNARY_EXP || !in_range(a[1], a[3], length) ||
      !in_range(a[2], a[3], length)) {
    napi_throw_range_error(env, NULL, "eos_native.unary: bad op, offsets or size");
    return NULL;
  }
  float *base = (float *)data;
  unary_f32((enum unary_op)a[0], base + a[1] / 4, base + a[2] / 4, (size_t)a[3]);
  return NULL;
}

/* Reads a JS array of at most MAX_RANK integers. */
static bool get_int_array(napi_env env, napi_value array, int64_t *out, uint32_t *count) {
  if (napi_get_array_length(env, array, count) != napi_ok || *count > MAX_RANK) return false;
  for (uint32_t i = 0; i < *count; i++) {
    napi_value v;
    if (napi_get_element(env, array, i, &v) != napi_ok || !get_int(env, v, &out[i])) return false;
  }
  return true;
}

/*
 * compare(buffer, op, aOffset, bOffset, outOffset, shape, aStrides, bStrides): out (bytes, 1 or 0)
 * = a OP b over the output shape; strides in elements, 0 on broadcast axes.
 */
static napi_value compare(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  void *data;
  size_t length;
  int64_t a[4], shape[MAX_RANK], as[MAX_RANK], bs[MAX_RANK];
  uint32_t rank, ra, rb;
  if (!get_args(env, info, 8, argv, &data, &length, "eos_native.compare: expected (ArrayBuffer, 4 numbers, 3 arrays)")) return NULL;
  bool ok = get_ints(env, argv + 1, 4, a) && a[0] >= CMP_EQUAL && a[0] <= CMP_LESS_EQUAL &&
            get_int_array(env, argv[5], shape, &rank) && get_int_array(env, argv[6], as, &ra) &&
            get_int_array(env, argv[7], bs, &rb) && ra == rank && rb == rank;
  int64_t size = 1, aLast = 0, bLast = 0;
  for (uint32_t d = 0; ok && d < rank; d++) {
    ok = shape[d] >= 1 && as[d] >= 0 && bs[d] >= 0;
    size *= shape[d];
    aLast += (shape[d] - 1) * as[d];
    bLast += (shape[d] - 1) * bs[d];
  }
  if (!ok || !in_range(a[1], aLast + 1, length) || !in_range(a[2], bLast + 1, length) || !in_range_of(a[3], size, 1, length)) {
    napi_throw_range_error(env, NULL, "eos_native.compare: bad op, shape, strides or offsets");
    return NULL;
  }
  float *base = (float *)data;
  compare_f32((enum compare_op)a[0], (int)rank, shape, as, bs, base + a[1] / 4, base + a[2] / 4, (unsigned char *)data + a[3]);
  return NULL;
}

/* reduce(buffer, op, xOffset, outOffset, outer, size, inner): sum (op 0) or max (op 1) over the middle axis. */
static napi_value reduce(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  void *data;
  size_t length;
  int64_t a[6];
  if (!get_args(env, info, 7, argv, &data, &length, "eos_native.reduce: expected (ArrayBuffer, 6 numbers)")) return NULL;
  if (!get_ints(env, argv + 1, 6, a) || a[0] < REDUCE_SUM || a[0] > REDUCE_MAX || a[3] < 1 || a[4] < 1 || a[5] < 1 ||
      !in_range(a[1], a[3] * a[4] * a[5], length) || !in_range(a[2], a[3] * a[5], length)) {
    napi_throw_range_error(env, NULL, "eos_native.reduce: bad op, offsets or sizes");
    return NULL;
  }
  float *base = (float *)data;
  reduce_f32((enum reduce_op)a[0], base + a[1] / 4, base + a[2] / 4, a[3], a[4], a[5]);
  return NULL;
}

/*
 * Parses the (offsets, inners) arrays of concat / split: `count` float32 parts [outer, inners[i]]
 * at byte offsets in the buffer. Fills parts and inner (malloc'd, freed by the caller) and the
 * summed inner size; false if an array is malformed or a part lies outside the buffer.
 */
static bool get_parts(napi_env env, napi_value offsets, napi_value inners, int64_t outer, void *data, size_t length,
                      uint32_t *count, float ***parts, int64_t **inner, int64_t *total) {
  uint32_t counted = 0;
  *parts = NULL;
  *inner = NULL;
  if (napi_get_array_length(env, offsets, count) != napi_ok || napi_get_array_length(env, inners, &counted) != napi_ok ||
      *count != counted || *count < 1 || outer < 1) {
    return false;
  }
  *parts = malloc(*count * sizeof(float *));
  *inner = malloc(*count * sizeof(int64_t));
  if (*parts == NULL || *inner == NULL) return false;
  *total = 0;
  for (uint32_t i = 0; i < *count; i++) {
    napi_value v;
    int64_t off;
    if (napi_get_element(env, offsets, i, &v) != napi_ok || !get_int(env, v, &off) ||
        napi_get_element(env, inners, i, &v) != napi_ok || !get_int(env, v, &(*inner)[i]) || (*inner)[i] < 1 ||
        !in_range(off, outer * (*inner)[i], length)) {
      return false;
    }
    (*parts)[i] = (float *)data + off / 4;
    *total += (*inner)[i];
  }
  return true;
}

/*
 * concat(buffer, outOffset, outer, inOffsets, inners) and split(buffer, xOffset, outer, outOffsets, inners):
 * between one float32 array [outer, sum inners] and the parts [outer, inners[i]] (a concatenation
 * along one axis, flattened around it).
 */
static napi_value concat_or_split(napi_env env, napi_callback_info info, bool is_concat) {
  napi_value argv[5];
  void *data;
  size_t length;
  int64_t a[2], total = 0, *inner = NULL;
  uint32_t count = 0;
  float **parts = NULL;
  if (!get_args(env, info, 5, argv, &data, &length, "eos_native.concat/split: expected (ArrayBuffer, 2 numbers, 2 arrays)")) return NULL;
  bool ok = get_ints(env, argv + 1, 2, a) && get_parts(env, argv[3], argv[4], a[1], data, length, &count, &parts, &inner, &total) &&
            in_range(a[0], a[1] * total, length);
  if (ok && is_concat) concat_f32((int)count, (const float *const *)parts, inner, a[1], (float *)data + a[0] / 4);
  if (ok && !is_concat) split_f32((int)count, (const float *)data + a[0] / 4, inner, a[1], parts);
  free(parts);
  free(inner);
  if (!ok) napi_throw_range_error(env, NULL, "eos_native.concat/split: bad offsets, sizes or arrays");
  return NULL;
}

static napi_value concat(napi_env env, napi_callback_info info) {
  return concat_or_split(env, info, true);
}

static napi_value split(napi_env env, napi_callback_info info) {
  return concat_or_split(env, info, false);
}

/* slice(buffer, xOffset, outOffset, shape, begin, size): out = x[begin : begin + size], 4-byte elements. */
static napi_value slice(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  void *data;
  size_t length;
  int64_t a[2], shape[MAX_RANK], begin[MAX_RANK], size[MAX_RANK];
  uint32_t rank, rb, rs;
  if (!get_args(env, info, 6, argv, &data, &length, "eos_native.slice: expected (ArrayBuffer, 2 numbers, 3 arrays)")) return NULL;
  bool ok = get_ints(env, argv + 1, 2, a) && get_int_array(env, argv[3], shape, &rank) && get_int_array(env, argv[4], begin, &rb) &&
            get_int_array(env, argv[5], size, &rs) && rank >= 1 && rb == rank && rs == rank;
  int64_t in = 1, out = 1;
  for (uint32_t d = 0; ok && d < rank; d++) {
    ok = size[d] >= 1 && begin[d] >= 0 && begin[d] + size[d] <= shape[d];
    in *= shape[d];
    out *= size[d];
  }
  if (!ok || !in_range(a[0], in, length) || !in_range(a[1], out, length)) {
    napi_throw_range_error(env, NULL, "eos_native.slice: bad shape, begin, size or offsets");
    return NULL;
  }
  slice_4byte((int)rank, shape, begin, size, (const uint32_t *)data + a[0] / 4, (uint32_t *)data + a[1] / 4);
  return NULL;
}

/*
 * im2col3x3(buffer, xOffset, colsOffset, n, h, w, c): cols [n*h*w, 9c] of images x [n, h, w, c];
 * col2im3x3(buffer, colsOffset, xOffset, n, h, w, c): its adjoint, x from cols. Offsets in bytes.
 */
static napi_value im2col_or_col2im(napi_env env, napi_callback_info info, bool is_im2col) {
  napi_value argv[7];
  void *data;
  size_t length;
  int64_t a[6];
  const char *usage = is_im2col ? "eos_native.im2col3x3: expected (ArrayBuffer, 6 numbers)" : "eos_native.col2im3x3: expected (ArrayBuffer, 6 numbers)";
  if (!get_args(env, info, 7, argv, &data, &length, usage)) return NULL;
  if (!get_ints(env, argv + 1, 6, a)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  const int64_t n = a[2], h = a[3], w = a[4], c = a[5], image = n * h * w * c;
  const int64_t from = is_im2col ? image : 9 * image, to = is_im2col ? 9 * image : image;
  if (n < 1 || h < 1 || w < 1 || c < 1 || !in_range(a[0], from, length) || !in_range(a[1], to, length)) {
    napi_throw_range_error(env, NULL, is_im2col ? "eos_native.im2col3x3: bad shape or offsets" : "eos_native.col2im3x3: bad shape or offsets");
    return NULL;
  }
  const float *src = (const float *)data + a[0] / 4;
  float *dst = (float *)data + a[1] / 4;
  if (is_im2col)
    im2col3x3_f32(n, h, w, c, src, dst);
  else
    col2im3x3_f32(n, h, w, c, src, dst);
  return NULL;
}

static napi_value im2col3x3(napi_env env, napi_callback_info info) {
  return im2col_or_col2im(env, info, true);
}

static napi_value col2im3x3(napi_env env, napi_callback_info info) {
  return im2col_or_col2im(env, info, false);
}

/* toFloat(buffer, op, xOffset, outOffset, n): out = float32(x) for bool (op 0) or int32 (op 1) x. */
static napi_value to_float(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void *data;
  size_t length;
  int64_t a[4];
  if (!get_args(env, info, 5, argv, &data, &length, "eos_native.toFloat: expected (ArrayBuffer, 4 numbers)")) return NULL;
  if (!get_ints(env, argv + 1, 4, a) || a[0] < 0 || a[0] > 1 || !in_range_of(a[1], a[3], a[0] == 0 ? 1 : 4, length) ||
      !in_range(a[2], a[3], length)) {
    napi_throw_range_error(env, NULL, "eos_native.toFloat: bad op, offsets or size");
    return NULL;
  }
  float *out = (float *)data + a[2] / 4;
  if (a[0] == 0) {
    bool_to_f32((const unsigned char *)data + a[1], out, (size_t)a[3]);
  } else {
    int32_to_f32((const int32_t *)data + a[1] / 4, out, (size_t)a[3]);
  }
  return NULL;
}

/* A typed array of the given type: its data and element count; false if it is not one. */
static bool get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *count) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, &type, count, data, &buffer, &offset) == napi_ok && type == want;
}

static bool get_f64(napi_env env, napi_value v, double **data, size_t *count) {
  return get_typed(env, v, napi_float64_array, (void **)data, count);
}

static bool get_f32(napi_env env, napi_value v, float **data, size_t *count) {
  return get_typed(env, v, napi_float32_array, (void **)data, count);
}

/*
 * gemv64(trans, m, n, alpha, A, x, beta, y) on Float64Arrays, A row-major m x n:
 * y = alpha A x + beta y (trans false; x of n, y of m) or y = alpha A^T x + beta y
 * (trans true; x of m, y of n). Lanczos keeps its Krylov basis as the rows of A.
 */
static napi_value gemv64(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  bool trans;
  int64_t m, n;
  double alpha, beta, *A, *x, *y;
  size_t lenA, lenX, lenY;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 8 ||
      napi_get_value_bool(env, argv[0], &trans) != napi_ok || !get_int(env, argv[1], &m) || !get_int(env, argv[2], &n) ||
      napi_get_value_double(env, argv[3], &alpha) != napi_ok || !get_f64(env, argv[4], &A, &lenA) ||
      !get_f64(env, argv[5], &x, &lenX) || napi_get_value_double(env, argv[6], &beta) != napi_ok ||
      !get_f64(env, argv[7], &y, &lenY)) {
    napi_throw_type_error(env, NULL, "eos_native.gemv64: expected (boolean, 2 integers, number, 2 Float64Arrays, number, Float64Array)");
    return NULL;
  }
  const int64_t rows = trans ? n : m, cols = trans ? m : n;
  if (m < 1 || n < 1 || m > INT32_MAX || n > INT32_MAX || (uint64_t)(m * n) > lenA || (uint64_t)cols > lenX || (uint64_t)rows > lenY) {
    napi_throw_range_error(env, NULL, "eos_native.gemv64: dimensions exceed the arrays");
    return NULL;
  }
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, (int)m, (int)n, alpha, A, (int)n, x, 1, beta, y, 1);
  return NULL;
}

#define DENSE_HEADER 5
#define DENSE_SHAPE 5
#define DENSE_PASSES 5

/*
 * A dense-stack plan (Float64Array): n, layers, activation, loss, 1/n, then per
 * layer `fields` numbers starting with in, out, scale and the element offsets of
 * W and b in the parameter vector (b: -1 for none), then `trailing` numbers.
 * Fills chunk and layers' shapes; false (after throwing) when it does not fit a
 * parameter vector of `params` floats.
 */
static bool dense_plan(napi_env env, const double *plan, size_t count, int fields, int trailing, size_t params, dense_chunk *chunk,
                       dense_layer *layers, const char *name) {
  /* Every entry finite and within the exactly representable integers, so the casts below are defined. */
  for (size_t i = 0; i < count; i++) {
    if (!(fabs(plan[i]) <= 9007199254740992.0)) {
      napi_throw_range_error(env, NULL, name);
      return false;
    }
  }
  const int64_t n = count >= DENSE_HEADER ? (int64_t)plan[0] : 0, L = count >= DENSE_HEADER ? (int64_t)plan[1] : 0;
  if (count < DENSE_HEADER || L < 1 || L > DENSE_MAX_LAYERS || count != (size_t)(DENSE_HEADER + fields * L + trailing) || n < 1 ||
      n > INT32_MAX || (plan[2] != DENSE_RELU && plan[2] != DENSE_TANH) || (plan[3] != DENSE_MSE && plan[3] != DENSE_CE)) {
    napi_throw_range_error(env, NULL, name);
    return false;
  }
  *chunk = (dense_chunk){n, (int)L, (enum dense_activation)plan[2], (enum dense_loss)plan[3], (float)plan[4], NULL, layers};
  for (int64_t l = 0; l < L; l++) {
    const double *f = plan + DENSE_HEADER + fields * l;
    dense_layer *y = &layers[l];
    *y = (dense_layer){(int64_t)f[0], (int64_t)f[1], (float)f[2], (int64_t)f[3], (int64_t)f[4], NULL, NULL, NULL, NULL, NULL};
    if (y->in < 1 || y->out < 1 || y->in > INT32_MAX || y->out > INT32_MAX || (l > 0 && y->in != layers[l - 1].out) || y->w < 0 ||
        (uint64_t)(y->w + y->in * y->out) > params || (y->b >= 0 && (uint64_t)(y->b + y->out) > params)) {
      napi_throw_range_error(env, NULL, name);
      return false;
    }
  }
  return true;
}

/* A heap array of `elements` floats at a byte offset given as a double, or NULL for a negative offset when `optional`. */
static bool heap_array(const double offset, int64_t elements, bool optional, float *base, size_t length, const float **out) {
  if (optional && offset < 0) {
    *out = NULL;
    return true;
  }
  if (offset != (double)(int64_t)offset || !in_range((int64_t)offset, elements, length)) return false;
  *out = base + (int64_t)offset / 4;
  return true;
}

/* The arguments every loss-and-gradient call starts with: plan (Float64Array), then theta, X, Y and grad (Float32Arrays). */
typedef struct {
  double *plan;
  float *theta, *X, *Y, *grad;
  size_t planCount, thetaCount, xCount, yCount, gradCount;
} loss_grad_args;

/* Reads exactly `argc` arguments into argv and the first five into a; throws `usage` otherwise. */
static bool get_loss_grad_args(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, loss_grad_args *a, const char *usage) {
  size_t got = argc;
  if (napi_get_cb_info(env, info, &got, argv, NULL, NULL) != napi_ok || got != argc || !get_f64(env, argv[0], &a->plan, &a->planCount) ||
      !get_f32(env, argv[1], &a->theta, &a->thetaCount) || !get_f32(env, argv[2], &a->X, &a->xCount) || !get_f32(env, argv[3], &a->Y, &a->yCount) ||
      !get_f32(env, argv[4], &a->grad, &a->gradCount)) {
    napi_throw_type_error(env, NULL, usage);
    return false;
  }
  return true;
}

/*
 * denseLossGrad(plan, theta, X, Y, grad): grad += the gradient of one chunk's
 * share of the mean loss, returned (dense.c). plan: 5 numbers per layer; X [n, in]
 * and Y [n, k] row-major, all Float32Arrays.
 */
static napi_value dense_loss_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5], result;
  loss_grad_args a;
  if (!get_loss_grad_args(env, info, 5, argv, &a, "eos_native.denseLossGrad: expected (Float64Array, Float32Array x 4)")) return NULL;
  dense_layer layers[DENSE_MAX_LAYERS];
  dense_chunk chunk;
  if (!dense_plan(env, a.plan, a.planCount, DENSE_SHAPE, 0, a.thetaCount, &chunk, layers, "eos_native.denseLossGrad: the plan does not fit theta")) return NULL;
  if (a.gradCount != a.thetaCount || a.xCount != (size_t)(chunk.n * layers[0].in) || a.yCount != (size_t)(chunk.n * layers[chunk.layers - 1].out)) {
    napi_throw_range_error(env, NULL, "eos_native.denseLossGrad: X, Y or grad do not match the plan and theta");
    return NULL;
  }
  double loss;
  if (!dense_loss_grad_f32(&chunk, a.theta, a.X, a.Y, a.grad, &loss)) {
    napi_throw_error(env, NULL, "eos_native.denseLossGrad: out of memory");
    return NULL;
  }
  NAPI_CALL(env, napi_create_double(env, loss, &result));
  return result;
}

/*
 * denseHvp(buffer, plan, v, out): out += H v for one chunk (dense.c), from the
 * passes at theta kept on the wasm heap `buffer`. plan: per layer the 5 numbers of
 * its shape, then the byte offsets of its input, weight, delta, slope and
 * curvature (-1: none); last, the prediction's offset (-1 for MSE).
 */
static napi_value dense_hvp(napi_env env, napi_callback_info info) {
  const char *usage = "eos_native.denseHvp: expected (ArrayBuffer, Float64Array, Float32Array, Float32Array)";
  napi_value argv[4];
  void *data;
  size_t length, planCount, vCount, outCount;
  double *plan;
  float *v, *out;
  if (!get_args(env, info, 4, argv, &data, &length, usage)) return NULL;
  if (!get_f64(env, argv[1], &plan, &planCount) || !get_f32(env, argv[2], &v, &vCount) || !get_f32(env, argv[3], &out, &outCount)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (vCount != outCount) {
    napi_throw_range_error(env, NULL, "eos_native.denseHvp: v and out differ in length");
    return NULL;
  }
  float *base = (float *)data;
  dense_layer layers[DENSE_MAX_LAYERS];
  dense_chunk chunk;
  if (!dense_plan(env, plan, planCount, DENSE_SHAPE + DENSE_PASSES, 1, vCount, &chunk, layers, "eos_native.denseHvp: the plan does not fit v")) return NULL;
  const int64_t n = chunk.n, L = chunk.layers;
  for (int64_t l = 0; l < L; l++) {
    const double *f = plan + DENSE_HEADER + (DENSE_SHAPE + DENSE_PASSES) * l + DENSE_SHAPE;
    dense_layer *y = &layers[l];
    const bool hidden = l < L - 1;
    const bool ok = heap_array(f[0], n * y->in, false, base, length, &y->input) &&
                    heap_array(f[1], y->in * y->out, false, base, length, &y->weight) &&
                    heap_array(f[2], n * y->out, false, base, length, &y->delta) &&
                    heap_array(f[3], n * y->out, !hidden, base, length, &y->slope) && (hidden || !y->slope) &&
                    heap_array(f[4], n * y->out, true, base, length, &y->curvature) && (hidden || !y->curvature);
    if (!ok) {
      napi_throw_range_error(env, NULL, "eos_native.denseHvp: a layer's passes do not fit the heap");
      return NULL;
    }
  }
  if (chunk.loss == DENSE_CE && !heap_array(plan[planCount - 1], n * layers[L - 1].out, false, base, length, &chunk.prediction)) {
    napi_throw_range_error(env, NULL, "eos_native.denseHvp: the prediction does not fit the heap");
    return NULL;
  }
  if (!dense_hvp_f32(&chunk, v, out)) napi_throw_error(env, NULL, "eos_native.denseHvp: out of memory");
  return NULL;
}

#define CNN_HEADER 11
#define CNN_FIELDS 5

/* An offset of `size` floats into `params`, or with `optional` -1 for none. */
static bool block_fits(int64_t offset, int64_t size, size_t params, bool optional) {
  return (optional && offset == -1) || (offset >= 0 && (uint64_t)(offset + size) <= params);
}

/*
 * A CNN plan (Float64Array): n, convs, loss, 1/n, the batch norms' eps, k, the
 * head's weight and bias offsets, the image's C, H, W; then per block cout, its
 * weight and bias offsets, and its batch norm's weight and bias offsets (-1 for
 * none). Fills chunk and convs; false (after throwing `name`) when it is
 * malformed or does not fit a parameter vector of `params` floats.
 */
static bool cnn_plan(napi_env env, const double *plan, size_t count, size_t params, cnn_chunk *chunk, cnn_conv *convs, const char *name) {
  for (size_t i = 0; i < count; i++) {
    if (!(fabs(plan[i]) <= 9007199254740992.0) || (i != 3 && i != 4 && plan[i] != (double)(int64_t)plan[i])) {
      napi_throw_range_error(env, NULL, name);
      return false;
    }
  }
  const int64_t L = count >= CNN_HEADER ? (int64_t)plan[1] : 0;
  if (count < CNN_HEADER || L < 1 || L > CNN_MAX_CONVS || count != (size_t)(CNN_HEADER + CNN_FIELDS * L) || plan[0] < 1 ||
      (plan[2] != DENSE_MSE && plan[2] != DENSE_CE) || !(plan[4] > 0) || plan[5] < 1) {
    napi_throw_range_error(env, NULL, name);
    return false;
  }
  *chunk = (cnn_chunk){(int64_t)plan[0], (int)L, (enum dense_loss)plan[2], (float)plan[3], (float)plan[4], (int64_t)plan[5], (int64_t)plan[6], (int64_t)plan[7], convs};
  int64_t cin = (int64_t)plan[8], h = (int64_t)plan[9], w = (int64_t)plan[10];
  bool ok = cin >= 1 && h >= 2 && w >= 2;
  for (int64_t l = 0; ok && l < L; l++) {
    const double *f = plan + CNN_HEADER + CNN_FIELDS * l;
    convs[l] = (cnn_conv){cin, (int64_t)f[0], h, w, (int64_t)f[1], (int64_t)f[2], (int64_t)f[3], (int64_t)f[4]};
    const cnn_conv *y = &convs[l];
    ok = y->cout >= 1 && h % 2 == 0 && w % 2 == 0 && block_fits(y->weight, y->cout * cin * 9, params, false) && block_fits(y->bias, y->cout, params, false) &&
         block_fits(y->norm_weight, y->cout, params, true) && block_fits(y->norm_bias, y->cout, params, true) && (y->norm_weight == -1) == (y->norm_bias == -1) &&
         chunk->n * h * w * cin * 9 <= INT32_MAX && chunk->n * h * w * y->cout <= INT32_MAX;
    cin = y->cout;
    h /= 2;
    w /= 2;
  }
  const int64_t flat = cin * h * w;
  ok = ok && h >= 1 && w >= 1 && block_fits(chunk->head_weight, chunk->k * flat, params, false) && block_fits(chunk->head_bias, chunk->k, params, false);
  if (!ok) napi_throw_range_error(env, NULL, name);
  return ok;
}

/* bytes(plan) of a plan passed as the only argument (`name` in messages). */
static napi_value cnn_bytes(napi_env env, napi_callback_info info, size_t (*bytes)(const cnn_chunk *), const char *usage, const char *malformed) {
  size_t argc = 1, count;
  napi_value argv[1], result;
  double *plan;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || !get_f64(env, argv[0], &plan, &count)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  cnn_conv convs[CNN_MAX_CONVS];
  cnn_chunk chunk;
  if (!cnn_plan(env, plan, count, SIZE_MAX, &chunk, convs, malformed)) return NULL;
  NAPI_CALL(env, napi_create_double(env, (double)bytes(&chunk), &result));
  return result;
}

/* cnnKeptBytes(plan): the bytes of the passes cnnLossGrad keeps for cnnHvp. */
static napi_value cnn_kept_bytes_js(napi_env env, napi_callback_info info) {
  return cnn_bytes(env, info, cnn_kept_bytes, "eos_native.cnnKeptBytes: expected (Float64Array)", "eos_native.cnnKeptBytes: malformed plan");
}

/* cnnForwardBytes(plan): the bytes of cnnForward's scratch passes. */
static napi_value cnn_forward_bytes_js(napi_env env, napi_callback_info info) {
  return cnn_bytes(env, info, cnn_forward_bytes, "eos_native.cnnForwardBytes: expected (Float64Array)", "eos_native.cnnForwardBytes: malformed plan");
}

/* Passes in an ArrayBuffer of at least bytes(chunk) bytes. */
static bool get_kept(napi_env env, napi_value value, const cnn_chunk *chunk, size_t (*bytes)(const cnn_chunk *), void **kept, const char *name) {
  size_t length;
  if (napi_get_arraybuffer_info(env, value, kept, &length) != napi_ok || length < bytes(chunk) || ((uintptr_t)*kept) % 8 != 0) {
    napi_throw_range_error(env, NULL, name);
    return false;
  }
  return true;
}

/*
 * cnnLossGrad(plan, theta, X, Y, grad, kept): grad += the gradient of one chunk's
 * share of the mean loss, returned (cnn.c); the passes go to the ArrayBuffer kept.
 * X [n, C*H*W] and Y [n, k] row-major Float32Arrays.
 */
static napi_value cnn_loss_grad(napi_env env, napi_callback_info info) {
  napi_value argv[6], result;
  loss_grad_args a;
  if (!get_loss_grad_args(env, info, 6, argv, &a, "eos_native.cnnLossGrad: expected (Float64Array, Float32Array x 4, ArrayBuffer)")) return NULL;
  cnn_conv convs[CNN_MAX_CONVS];
  cnn_chunk chunk;
  void *kept;
  if (!cnn_plan(env, a.plan, a.planCount, a.thetaCount, &chunk, convs, "eos_native.cnnLossGrad: the plan does not fit theta")) return NULL;
  if (a.gradCount != a.thetaCount || a.xCount != (size_t)(chunk.n * convs[0].cin * convs[0].h * convs[0].w) || a.yCount != (size_t)(chunk.n * chunk.k)) {
    napi_throw_range_error(env, NULL, "eos_native.cnnLossGrad: X, Y or grad do not match the plan and theta");
    return NULL;
  }
  if (!get_kept(env, argv[5], &chunk, cnn_kept_bytes, &kept, "eos_native.cnnLossGrad: kept is smaller than cnnKeptBytes(plan)")) return NULL;
  double loss;
  if (!cnn_loss_grad_f32(&chunk, a.theta, a.X, a.Y, a.grad, &loss, kept)) {
    napi_throw_error(env, NULL, "eos_native.cnnLossGrad: out of memory");
    return NULL;
  }
  NAPI_CALL(env, napi_create_double(env, loss, &result));
  return result;
}

/*
 * cnnForward(plan, theta, X, Y, outputs, scratch, statistics, given): the chunk's share of the
 * mean loss, returned, and its outputs [n, k] (cnn.c, the forward pass alone). statistics: null,
 * or a Float32Array of each batch norm's [means, 1/sqrt(var + eps)] read when given is true and
 * written otherwise.
 */
static napi_value cnn_forward(napi_env env, napi_callback_info info) {
  const char *usage = "eos_native.cnnForward: expected (Float64Array, Float32Array x 4, ArrayBuffer, Float32Array or null, boolean)";
  napi_value argv[8], result;
  loss_grad_args a;
  if (!get_loss_grad_args(env, info, 8, argv, &a, usage)) return NULL;
  napi_valuetype statsType;
  bool given;
  float *statistics = NULL;
  size_t statsCount = 0;
  if (napi_typeof(env, argv[6], &statsType) != napi_ok || (statsType != napi_null && !get_f32(env, argv[6], &statistics, &statsCount)) ||
      napi_get_value_bool(env, argv[7], &given) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  cnn_conv convs[CNN_MAX_CONVS];
  cnn_chunk chunk;
  void *scratch;
  if (!cnn_plan(env, a.plan, a.planCount, a.thetaCount, &chunk, convs, "eos_native.cnnForward: the plan does not fit theta")) return NULL;
  size_t statsNeeded = 0;
  for (int l = 0; l < chunk.convs; l++)
    if (convs[l].norm_weight >= 0) statsNeeded += (size_t)(2 * convs[l].cout);
  if (a.gradCount != (size_t)(chunk.n * chunk.k) || a.xCount != (size_t)(chunk.n * convs[0].cin * convs[0].h * convs[0].w) || a.yCount != (size_t)(chunk.n * chunk.k) ||
      (statistics && statsCount != statsNeeded) || (given && !statistics)) {
    napi_throw_range_error(env, NULL, "eos_native.cnnForward: X, Y, the outputs or the statistics do not match the plan");
    return NULL;
  }
  if (!get_kept(env, argv[5], &chunk, cnn_forward_bytes, &scratch, "eos_native.cnnForward: scratch is smaller than cnnForwardBytes(plan)")) return NULL;
  double loss;
  if (!cnn_forward_f32(&chunk, a.theta, a.X, a.Y, statistics, given, a.grad, &loss, scratch)) {
    napi_throw_error(env, NULL, "eos_native.cnnForward: out of memory");
    return NULL;
  }
  NAPI_CALL(env, napi_create_double(env, loss, &result));
  return result;
}

/* cnnHvp(plan, theta, kept, v, out): out += H v for one chunk (cnn.c), over the passes cnnLossGrad kept at theta. */
static napi_value cnn_hvp(napi_env env, napi_callback_info info) {
  const char *usage = "eos_native.cnnHvp: expected (Float64Array, Float32Array, ArrayBuffer, Float32Array x 2)";
  size_t argc = 5;
  napi_value argv[5];
  double *plan;
  float *theta, *v, *out;
  size_t planCount, thetaCount, vCount, outCount;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 || !get_f64(env, argv[0], &plan, &planCount) ||
      !get_f32(env, argv[1], &theta, &thetaCount) || !get_f32(env, argv[3], &v, &vCount) || !get_f32(env, argv[4], &out, &outCount)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  cnn_conv convs[CNN_MAX_CONVS];
  cnn_chunk chunk;
  void *kept;
  if (!cnn_plan(env, plan, planCount, thetaCount, &chunk, convs, "eos_native.cnnHvp: the plan does not fit theta")) return NULL;
  if (vCount != thetaCount || outCount != thetaCount) {
    napi_throw_range_error(env, NULL, "eos_native.cnnHvp: v and out must have theta's length");
    return NULL;
  }
  if (!get_kept(env, argv[2], &chunk, cnn_kept_bytes, &kept, "eos_native.cnnHvp: kept is smaller than cnnKeptBytes(plan)")) return NULL;
  if (!cnn_hvp_f32(&chunk, theta, kept, v, out)) napi_throw_error(env, NULL, "eos_native.cnnHvp: out of memory");
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
      {"unary", NULL, unary, NULL, NULL, NULL, napi_enumerable, NULL},
      {"compare", NULL, compare, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reduce", NULL, reduce, NULL, NULL, NULL, napi_enumerable, NULL},
      {"concat", NULL, concat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"split", NULL, split, NULL, NULL, NULL, napi_enumerable, NULL},
      {"slice", NULL, slice, NULL, NULL, NULL, napi_enumerable, NULL},
      {"im2col3x3", NULL, im2col3x3, NULL, NULL, NULL, napi_enumerable, NULL},
      {"col2im3x3", NULL, col2im3x3, NULL, NULL, NULL, napi_enumerable, NULL},
      {"toFloat", NULL, to_float, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gemv64", NULL, gemv64, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denseLossGrad", NULL, dense_loss_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denseHvp", NULL, dense_hvp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cnnKeptBytes", NULL, cnn_kept_bytes_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cnnForwardBytes", NULL, cnn_forward_bytes_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cnnForward", NULL, cnn_forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cnnLossGrad", NULL, cnn_loss_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cnnHvp", NULL, cnn_hvp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
