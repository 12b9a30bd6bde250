/*
 * Hessian-vector products of dense stacks in one native call: the R-operator of
 * src/objective/dense.ts with every sum of two products accumulated by sgemm
 * (beta = 1), biases added by filling the output before the product, bias
 * gradients as sgemv with a vector of ones, and the product written straight
 * into the result. The tfjs version allocates a tensor and makes a memory pass
 * for each of these; here only the activation slopes cost a pass.
 */
#include "dense_hvp.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Scratch reused across calls (products come in long runs of the same shapes; fresh pages would fault every call). */
static float *scratch = NULL;
static size_t scratch_floats = 0;

static float *scratch_of(size_t floats) {
  if (floats > scratch_floats) {
    float *grown = realloc(scratch, floats * sizeof(float));
    if (!grown) return NULL;
    scratch = grown;
    scratch_floats = floats;
  }
  return scratch;
}

int dense_hvp_f32(const dense_chunk *c, const float *v, float *out) {
  const int64_t n = c->n;
  const int L = c->layers;
  int64_t width = 0, kept = 0;
  for (int l = 0; l < L; l++) {
    const dense_layer *y = &c->layer[l];
    if (y->out > width) width = y->out;
    if (l > 0 && y->in > width) width = y->in;
    kept += (l < L - 1 ? 2 : 1) * y->out;
  }
  /* Ra of every layer and Rh of the hidden ones, two backward buffers, a row of ones. */
  float *base = scratch_of((size_t)(n * (kept + 2 * width) + n));
  if (!base) return 0;
  float **Ra = malloc(sizeof(float *) * 2 * (size_t)L);
  if (!Ra) return 0;
  float **Rh = Ra + L;
  float *next = base;
  for (int l = 0; l < L; l++) {
    Ra[l] = next;
    next += n * c->layer[l].out;
    Rh[l] = NULL;
    if (l < L - 1) {
      Rh[l] = next;
      next += n * c->layer[l].out;
    }
  }
  float *Rdelta = next, *Rdh = next + n * width, *ones = next + 2 * n * width;
  for (int64_t i = 0; i < n; i++) ones[i] = 1.0f;

  /* R-forward: Ra_l = s (h_{l-1} V^T + R{h_{l-1}} W^T) + Vb, R{h_l} = act'(a_l) Ra_l. */
  for (int l = 0; l < L; l++) {
    const dense_layer *y = &c->layer[l];
    const int in = (int)y->in, o = (int)y->out;
    float beta = 0.0f;
    if (y->b >= 0) {
      for (int64_t i = 0; i < n; i++) memcpy(Ra[l] + i * o, v + y->b, sizeof(float) * (size_t)o);
      beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, o, in, y->scale, y->input, in, v + y->w, in, beta, Ra[l], o);
    if (l > 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, o, in, y->scale, Rh[l - 1], in, y->weight, in, 1.0f, Ra[l], o);
    if (l < L - 1) {
      const int64_t size = n * o;
      for (int64_t i = 0; i < size; i++) Rh[l][i] = y->slope[i] * Ra[l][i];
    }
  }

  /* The loss's output Hessian: R{delta_L} = (1/n) r (MSE) or (1/n) (diag(p) - p p^T) r (CE). */
  const int k = (int)c->layer[L - 1].out;
  for (int64_t i = 0; i < n; i++) {
    const float *r = Ra[L - 1] + i * k;
    float *d = Rdelta + i * k;
    if (c->loss == DENSE_MSE) {
      for (int j = 0; j < k; j++) d[j] = c->inv_n * r[j];
    } else {
      const float *p = c->prediction + i * k;
      float pr = 0.0f;
      for (int j = 0; j < k; j++) pr += p[j] * r[j];
      for (int j = 0; j < k; j++) d[j] = c->inv_n * p[j] * (r[j] - pr);
    }
  }

  /* R-backward: blocks of H v, then R{delta_{l-1}} = act'(a) s (R{delta_l} W + delta_l V) (+ act''(a) dL/dh Ra for tanh). */
  for (int l = L - 1; l >= 0; l--) {
    const dense_layer *y = &c->layer[l];
    const int in = (int)y->in, o = (int)y->out;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o, in, (int)n, y->scale, Rdelta, o, y->input, in, 1.0f, out + y->w, in);
    if (l > 0) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o, in, (int)n, y->scale, y->delta, o, Rh[l - 1], in, 1.0f, out + y->w, in);
    if (y->b >= 0) cblas_sgemv(CblasRowMajor, CblasTrans, (int)n, o, 1.0f, Rdelta, o, ones, 1, 1.0f, out + y->b, 1);
    if (l == 0) break;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, in, o, y->scale, Rdelta, o, y->weight, in, 0.0f, Rdh, in);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, in, o, y->scale, y->delta, o, v + y->w, in, 1.0f, Rdh, in);
    const dense_layer *below = &c->layer[l - 1];
    const int64_t size = n * in;
    if (below->curvature) {
      for (int64_t i = 0; i < size; i++) Rdh[i] = below->slope[i] * Rdh[i] + below->curvature[i] * Ra[l - 1][i];
    } else {
      for (int64_t i = 0; i < size; i++) Rdh[i] *= below->slope[i];
    }
    float *t = Rdelta;
    Rdelta = Rdh;
    Rdh = t;
  }
  free(Ra);
  return 1;
}
