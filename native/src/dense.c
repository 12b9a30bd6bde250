/*
 * Dense stacks in one native call each: the loss and gradient (the passes of
 * linearize in src/objective/dense.ts) and the Hessian-vector product (its
 * hessianBlocks). Every sum of two products is accumulated by sgemm (beta = 1),
 * biases are filled in before the product, bias gradients are sgemv with a row
 * of ones, and results go straight into the caller's vector. The tfjs versions
 * allocate a tensor and make a memory pass for each of these; here only the
 * activations, their slopes and the loss cost a pass.
 */
#include "dense.h"

#include <cblas.h>
#include <string.h>

#include "elementwise.h"
#include "output.h"

/*
 * Scratch carved into a buffer [n, out] per layer (`outs`) and, when `hidden` is
 * given, a second one per hidden layer (NULL for the output layer); two backward
 * buffers [n, widest input or output past the data] (`back`); then a row of n
 * ones, which is returned (NULL when memory runs out).
 */
static const float *carve(const dense_chunk *c, float **outs, float **hidden, float **back) {
  const int64_t n = c->n;
  const int L = c->layers;
  int64_t width = 0, kept = 0;
  for (int l = 0; l < L; l++) {
    const dense_layer *y = &c->layer[l];
    if (y->out > width) width = y->out;
    if (l > 0 && y->in > width) width = y->in;
    kept += (hidden && l < L - 1 ? 2 : 1) * y->out;
  }
  float *next = native_scratch((size_t)(n * (kept + 2 * width) + n));
  if (!next) return NULL;
  for (int l = 0; l < L; l++) {
    outs[l] = next;
    next += n * c->layer[l].out;
    if (!hidden) continue;
    hidden[l] = l < L - 1 ? next : NULL;
    if (l < L - 1) next += n * c->layer[l].out;
  }
  back[0] = next;
  back[1] = next + n * width;
  next += 2 * n * width;
  for (int64_t i = 0; i < n; i++) next[i] = 1.0f;
  return next;
}

/* y [n, out] = scale * x W^T + b for W [out, in] (b NULL: no bias); with `accumulate`, y += scale * x W^T. */
static void affine(int64_t n, const dense_layer *layer, const float *x, const float *W, const float *b, int accumulate, float *y) {
  const int in = (int)layer->in, o = (int)layer->out;
  if (b) for (int64_t i = 0; i < n; i++) memcpy(y + i * o, b, sizeof(float) * (size_t)o);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, o, in, layer->scale, x, in, W, in, b || accumulate ? 1.0f : 0.0f, y, o);
}

/* gW += scale * d^T x for d [n, out], x [n, in]. */
static void weight_product(int64_t n, const dense_layer *layer, const float *d, const float *x, float *g) {
  const int in = (int)layer->in, o = (int)layer->out;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o, in, (int)n, layer->scale, d, o, x, in, 1.0f, g + layer->w, in);
}

/* The layer's blocks of a gradient: gW += scale * d^T x, gb += d^T 1. */
static void weight_gradient(int64_t n, const dense_layer *layer, const float *d, const float *x, const float *ones, float *g) {
  weight_product(n, layer, d, x, g);
  if (layer->b >= 0) cblas_sgemv(CblasRowMajor, CblasTrans, (int)n, (int)layer->out, 1.0f, d, (int)layer->out, ones, 1, 1.0f, g + layer->b, 1);
}

/* dh [n, in] = scale * d W (+= with `accumulate`). */
static void input_gradient(int64_t n, const dense_layer *layer, const float *d, const float *W, int accumulate, float *dh) {
  const int in = (int)layer->in, o = (int)layer->out;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, in, o, layer->scale, d, o, W, in, accumulate ? 1.0f : 0.0f, dh, in);
}

int dense_loss_grad_f32(const dense_chunk *c, const float *theta, const float *X, const float *Y, float *grad, double *loss) {
  const int64_t n = c->n;
  const int L = c->layers;
  float *h[DENSE_MAX_LAYERS], *back[2];
  /* Every layer's output (h, and f for the last). */
  const float *ones = carve(c, h, NULL, back);
  if (!ones) return 0;
  float *delta = back[0], *dh = back[1];

  for (int l = 0; l < L; l++) {
    const dense_layer *y = &c->layer[l];
    affine(n, y, l ? h[l - 1] : X, theta + y->w, y->b >= 0 ? theta + y->b : NULL, 0, h[l]);
    if (l == L - 1) break;
    const int64_t size = n * y->out;
    if (c->activation == DENSE_TANH) {
      unary_f32(UNARY_TANH, h[l], h[l], (size_t)size);
    } else {
      /* relu, keeping NaN (a diverged run must show in the loss). */
      for (int64_t i = 0; i < size; i++) h[l][i] = h[l][i] < 0.0f ? 0.0f : h[l][i];
    }
  }

  /* Loss and its gradient at the output (output.c). */
  const int k = (int)c->layer[L - 1].out;
  const double total = output_loss(c->loss, c->inv_n, n, k, h[L - 1], Y, delta, NULL);
  *loss = total * c->inv_n;

  /* Backward: delta_{l-1} = act'(a_{l-1}) scale (delta_l W_l), act' from h = act(a). */
  for (int l = L - 1; l >= 0; l--) {
    const dense_layer *y = &c->layer[l];
    weight_gradient(n, y, delta, l ? h[l - 1] : X, ones, grad);
    if (l == 0) break;
    input_gradient(n, y, delta, theta + y->w, 0, dh);
    const float *below = h[l - 1];
    const int64_t size = n * y->in;
    if (c->activation == DENSE_TANH) {
      for (int64_t i = 0; i < size; i++) dh[i] *= 1.0f - below[i] * below[i];
    } else {
      for (int64_t i = 0; i < size; i++) dh[i] = below[i] > 0.0f ? dh[i] : 0.0f;
    }
    float *t = delta;
    delta = dh;
    dh = t;
  }
  return 1;
}

int dense_hvp_f32(const dense_chunk *c, const float *v, float *out) {
  const int64_t n = c->n;
  const int L = c->layers;
  float *Ra[DENSE_MAX_LAYERS], *Rh[DENSE_MAX_LAYERS], *back[2];
  const float *ones = carve(c, Ra, Rh, back);
  if (!ones) return 0;
  float *Rdelta = back[0], *Rdh = back[1];

  /* R-forward: Ra_l = s (h_{l-1} V^T + R{h_{l-1}} W^T) + Vb, R{h_l} = act'(a_l) Ra_l. */
  for (int l = 0; l < L; l++) {
    const dense_layer *y = &c->layer[l];
    affine(n, y, y->input, v + y->w, y->b >= 0 ? v + y->b : NULL, 0, Ra[l]);
    if (l > 0) affine(n, y, Rh[l - 1], y->weight, NULL, 1, Ra[l]);
    if (l < L - 1) {
      const int64_t size = n * y->out;
      for (int64_t i = 0; i < size; i++) Rh[l][i] = y->slope[i] * Ra[l][i];
    }
  }

  /* The loss's output Hessian: R{delta_L} = (1/n) r (MSE) or (1/n) (diag(p) - p p^T) r (CE). */
  output_hessian_times(c->loss, c->inv_n, n, (int)c->layer[L - 1].out, c->prediction, Ra[L - 1], Rdelta);

  /* R-backward: blocks of H v, then R{delta_{l-1}} = act'(a) s (R{delta_l} W + delta_l V) (+ act''(a) dL/dh Ra for tanh). */
  for (int l = L - 1; l >= 0; l--) {
    const dense_layer *y = &c->layer[l];
    weight_gradient(n, y, Rdelta, y->input, ones, out);
    if (l > 0) weight_product(n, y, y->delta, Rh[l - 1], out);
    if (l == 0) break;
    input_gradient(n, y, Rdelta, y->weight, 0, Rdh);
    input_gradient(n, y, y->delta, v + y->w, 1, Rdh);
    const dense_layer *below = &c->layer[l - 1];
    const int64_t size = n * y->in;
    if (below->curvature) {
      for (int64_t i = 0; i < size; i++) Rdh[i] = below->slope[i] * Rdh[i] + below->curvature[i] * Ra[l - 1][i];
    } else {
      for (int64_t i = 0; i < size; i++) Rdh[i] *= below->slope[i];
    }
    float *t = Rdelta;
    Rdelta = Rdh;
    Rdh = t;
  }
  return 1;
}
