#ifndef EOS_DENSE_H
#define EOS_DENSE_H

#include <stdint.h>

#include "output.h"

/* Layers a plan may have (the scratch pointers live on the stack). */
#define DENSE_MAX_LAYERS 64


/* One layer a = scale * h W^T + b of a dense stack (src/models/types.ts, DenseStack). */
typedef struct {
  int64_t in, out;
  float scale;
  /* Element offsets of W [out, in] and b [out] in the flat parameter vector (b: -1 when the layer has none). */
  int64_t w, b;
  /* HVP only, the passes at theta: the layer's input h [n, in], its weight W and delta = dL/da [n, out] (with the
     1/n of the mean loss); for hidden layers act'(a) and (tanh) act''(a) dL/dh, both [n, out], else NULL. */
  const float *input, *weight, *delta, *slope, *curvature;
} dense_layer;

/* A chunk of n samples through a stack of `layers` layers. */
typedef struct {
  int64_t n;
  int layers;
  enum dense_activation activation;
  enum dense_loss loss;
  float inv_n;
  /* HVP only, CE: the softmax of the output [n, k] at theta; NULL for MSE. */
  const float *prediction;
  const dense_layer *layer;
} dense_chunk;

/*
 * grad += dL/dtheta of the chunk's share of the mean loss, for inputs X [n, in] and
 * targets Y [n, k]; *loss = that share. The same passes as src/objective/dense.ts's
 * linearize. Returns 0 when scratch memory cannot be allocated.
 */
int dense_loss_grad_f32(const dense_chunk *chunk, const float *theta, const float *X, const float *Y, float *grad, double *loss);

/*
 * out += H v for one chunk by Pearlmutter's R-operator over the kept passes (the
 * same recurrences as hessianBlocks in src/objective/dense.ts). Returns 0 when
 * scratch memory cannot be allocated.
 */
int dense_hvp_f32(const dense_chunk *chunk, const float *v, float *out);

#endif
