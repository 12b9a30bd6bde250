/* What the native objectives share: scratch memory and the loss at the outputs. */
#include "output.h"

#include <math.h>
#include <stdlib.h>

static float *scratch = NULL;
static size_t scratch_floats = 0;

float *native_scratch(size_t floats) {
  if (floats > scratch_floats) {
    float *grown = realloc(scratch, floats * sizeof(float));
    if (!grown) return NULL;
    scratch = grown;
    scratch_floats = floats;
  }
  return scratch;
}

double output_loss(enum dense_loss loss, float inv_n, int64_t n, int k, const float *f, const float *Y, float *delta, float *prediction) {
  double total = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const float *o = f + i * k, *t = Y + i * k;
    float *d = delta + i * k;
    if (loss == DENSE_MSE) {
      for (int j = 0; j < k; j++) {
        const float r = o[j] - t[j];
        total += 0.5 * (double)r * r;
        d[j] = inv_n * r;
      }
    } else {
      float m = o[0];
      for (int j = 1; j < k; j++) m = o[j] > m ? o[j] : m;
      float s = 0.0f, ot = 0.0f;
      for (int j = 0; j < k; j++) {
        s += expf(o[j] - m);
        ot += o[j] * t[j];
      }
      const float lse = m + logf(s);
      total += (double)lse - ot;
      for (int j = 0; j < k; j++) {
        const float p = expf(o[j] - lse);
        d[j] = inv_n * (p - t[j]);
        if (prediction) prediction[i * k + j] = p;
      }
    }
  }
  return total;
}

void output_hessian_times(enum dense_loss loss, float inv_n, int64_t n, int k, const float *prediction, const float *r, float *out) {
  for (int64_t i = 0; i < n; i++) {
    const float *ri = r + i * k;
    float *d = out + i * k;
    if (loss == DENSE_MSE) {
      for (int j = 0; j < k; j++) d[j] = inv_n * ri[j];
    } else {
      const float *p = prediction + i * k;
      float pr = 0.0f;
      for (int j = 0; j < k; j++) pr += p[j] * ri[j];
      for (int j = 0; j < k; j++) d[j] = inv_n * p[j] * (ri[j] - pr);
    }
  }
}
