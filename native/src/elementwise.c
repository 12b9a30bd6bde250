/*
 * Element-wise kernels on the tfjs wasm heap: tanh and exp through glibc's
 * vector math library (libmvec, <= 4 ulp; AVX-512 or AVX2 chosen at run time),
 * comparisons with full broadcasting, sum / max over one contiguous block of
 * axes (sums accumulate in double), slicing, concatenation, splitting and casts
 * to float32.
 */
#include "elementwise.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* libmvec entry points (glibc >= 2.35 for tanhf). */
__m256 _ZGVdN8v_tanhf(__m256);
__m256 _ZGVdN8v_expf(__m256);
__m512 _ZGVeN16v_tanhf(__m512);
__m512 _ZGVeN16v_expf(__m512);

__attribute__((target("avx512f"))) static void map16(__m512 (*f)(__m512), const float *x, float *y, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, mask, f(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}

__attribute__((target("avx2"))) static void map8(__m256 (*f)(__m256), const float *x, float *y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float buf[8] = {0};
    memcpy(buf, x + i, (n - i) * sizeof(float));
    _mm256_storeu_ps(buf, f(_mm256_loadu_ps(buf)));
    memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

void unary_f32(enum unary_op op, const float *x, float *y, size_t n) {
  if (__builtin_cpu_supports("avx512f")) {
    map16(op == UNARY_TANH ? _ZGVeN16v_tanhf : _ZGVeN16v_expf, x, y, n);
  } else if (__builtin_cpu_supports("avx2")) {
    map8(op == UNARY_TANH ? _ZGVdN8v_tanhf : _ZGVdN8v_expf, x, y, n);
  } else {
    for (size_t i = 0; i < n; i++) y[i] = op == UNARY_TANH ? tanhf(x[i]) : expf(x[i]);
  }
}

/* Innermost axis of a broadcast comparison; the switch is hoisted out of the loop. */
#define COMPARE_LOOP(expr)                                                      \
  for (int64_t i = 0; i < n; i++) out[i] = (unsigned char)(a[i * sa] expr b[i * sb]);

static void compare_row(enum compare_op op, const float *a, int64_t sa, const float *b, int64_t sb, unsigned char *out, int64_t n) {
  switch (op) {
    case CMP_EQUAL: COMPARE_LOOP(==) break;
    case CMP_NOT_EQUAL: COMPARE_LOOP(!=) break;
    case CMP_GREATER: COMPARE_LOOP(>) break;
    case CMP_GREATER_EQUAL: COMPARE_LOOP(>=) break;
    case CMP_LESS: COMPARE_LOOP(<) break;
    case CMP_LESS_EQUAL: COMPARE_LOOP(<=) break;
  }
}

void compare_f32(enum compare_op op, int rank, const int64_t *shape, const int64_t *astride, const int64_t *bstride,
                 const float *a, const float *b, unsigned char *out) {
  if (rank == 0) {
    compare_row(op, a, 0, b, 0, out, 1);
    return;
  }
  const int64_t inner = shape[rank - 1];
  int64_t index[MAX_RANK] = {0};
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  for (int64_t r = 0; r < rows; r++) {
    int64_t ao = 0, bo = 0;
    for (int d = 0; d < rank - 1; d++) {
      ao += index[d] * astride[d];
      bo += index[d] * bstride[d];
    }
    compare_row(op, a + ao, astride[rank - 1], b + bo, bstride[rank - 1], out + r * inner, inner);
    for (int d = rank - 2; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

void reduce_f32(enum reduce_op op, const float *x, float *out, int64_t outer, int64_t size, int64_t inner) {
  if (op == REDUCE_SUM && inner == 1) {
    for (int64_t o = 0; o < outer; o++) {
      const float *row = x + o * size;
      double acc = 0;
      for (int64_t r = 0; r < size; r++) acc += row[r];
      out[o] = (float)acc;
    }
    return;
  }
  if (op == REDUCE_SUM) {
    double *acc = malloc((size_t)inner * sizeof(double));
    for (int64_t o = 0; o < outer; o++) {
      memset(acc, 0, (size_t)inner * sizeof(double));
      for (int64_t r = 0; r < size; r++) {
        const float *row = x + (o * size + r) * inner;
        for (int64_t i = 0; i < inner; i++) acc[i] += row[i];
      }
      for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)acc[i];
    }
    free(acc);
    return;
  }
  /* Max; NaN propagates. */
  for (int64_t o = 0; o < outer; o++) {
    float *dst = out + o * inner;
    memcpy(dst, x + o * size * inner, (size_t)inner * sizeof(float));
    for (int64_t r = 1; r < size; r++) {
      const float *row = x + (o * size + r) * inner;
      for (int64_t i = 0; i < inner; i++) dst[i] = (row[i] > dst[i] || row[i] != row[i]) ? row[i] : dst[i];
    }
  }
}

void concat_f32(int count, const float *const *inputs, const int64_t *inner, int64_t outer, float *out) {
  for (int64_t o = 0; o < outer; o++) {
    for (int i = 0; i < count; i++) {
      const float *src = inputs[i] + o * inner[i];
      if (inner[i] == 1) {
        *out++ = *src;
      } else {
        memcpy(out, src, (size_t)inner[i] * sizeof(float));
        out += inner[i];
      }
    }
  }
}

void slice_4byte(int rank, const int64_t *shape, const int64_t *begin, const int64_t *size, const uint32_t *x, uint32_t *out) {
  int64_t stride[MAX_RANK];
  stride[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; d--) stride[d] = stride[d + 1] * shape[d + 1];
  /* Axes after k are taken whole: each index over the axes before k selects one contiguous run. */
  int k = rank - 1;
  while (k > 0 && size[k] == shape[k]) k--;
  const int64_t run = size[k] * stride[k];
  int64_t runs = 1;
  for (int d = 0; d < k; d++) runs *= size[d];
  int64_t index[MAX_RANK] = {0};
  for (int64_t r = 0; r < runs; r++) {
    int64_t from = begin[k] * stride[k];
    for (int d = 0; d < k; d++) from += (begin[d] + index[d]) * stride[d];
    memcpy(out + r * run, x + from, (size_t)run * sizeof(uint32_t));
    for (int d = k - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

void split_f32(int count, const float *x, const int64_t *inner, int64_t outer, float *const *outputs) {
  for (int64_t o = 0; o < outer; o++) {
    for (int i = 0; i < count; i++) {
      float *dst = outputs[i] + o * inner[i];
      if (inner[i] == 1) {
        *dst = *x++;
      } else {
        memcpy(dst, x, (size_t)inner[i] * sizeof(float));
        x += inner[i];
      }
    }
  }
}

void bool_to_f32(const unsigned char *x, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (float)x[i];
}

void int32_to_f32(const int32_t *x, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (float)x[i];
}
