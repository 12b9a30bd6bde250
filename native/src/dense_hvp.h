#ifndef EOS_DENSE_HVP_H
#define EOS_DENSE_HVP_H

#include <stdint.h>

enum dense_activation { DENSE_RELU = 0, DENSE_TANH = 1 };
enum dense_loss { DENSE_MSE = 0, DENSE_CE = 1 };

/* One layer a = scale * h W^T + b of a dense stack, with the passes at theta kept for it. */
typedef struct {
  int64_t in, out;
  float scale;
  /* Element offsets of W [out, in] and b [out] in the flat direction and product (b: -1 when the layer has none). */
  int64_t w, b;
  /* The layer's input h [n, in] and weight W; delta = dL/da [n, out] (with the 1/n of the mean loss). */
  const float *input, *weight, *delta;
  /* Hidden layers: act'(a) and (tanh) act''(a) dL/dh, both [n, out]; NULL for the output layer (curvature NULL for relu). */
  const float *slope, *curvature;
} dense_layer;

typedef struct {
  int64_t n;
  int layers;
  enum dense_activation activation;
  enum dense_loss loss;
  float inv_n;
  /* CE: softmax of the output [n, k]; NULL for MSE. */
  const float *prediction;
  const dense_layer *layer;
} dense_chunk;

/*
 * out += H v for one chunk of samples by Pearlmutter's R-operator over the kept
 * passes (the same recurrences as src/objective/dense.ts). Returns false when
 * scratch memory cannot be allocated.
 */
int dense_hvp_f32(const dense_chunk *chunk, const float *v, float *out);

#endif
