/*
 * The CNN of appendix H.2 (src/models/cnn.ts without batch norm, relu) in one
 * native call each for the loss and gradient and for the Hessian-vector product:
 * a 3x3 convolution is im2col and an sgemm, block by block of images (block_images).
 * The columns are tap-major (tap * cin + ci: each tap copies a pixel's cin channels in
 * one run), so the weight is permuted from PyTorch's [cout, cin, 3, 3] order for each
 * call and its gradient permuted back (tap_major, add_from_tap_major). The pool
 * keeps which element of each window won (the first maximum, as PyTorch and
 * src/models/conv.ts choose). The HVP is Pearlmutter's R-operator over the passes
 * at theta that the gradient call kept: relu and max pooling are piecewise linear,
 * so their R-passes reuse the window choices (which element, and whether it passed the
 * relu: the only relu mask entries a pooled network reads), and only the
 * convolutions and the loss contribute second-order terms.
 *
 * With batch norm (norm_weight >= 0) a block normalises its convolution output with the
 * chunk's own per-channel statistics, which must make the chunk the whole batch (full-batch
 * GD: the training set). Its backward and R-passes carry the terms through the batch mean
 * and variance (batch_norm_backward, batch_norm_tangent, batch_norm_second).
 *
 * Images are NHWC inside; X arrives as PyTorch's [n, C*H*W] rows.
 */
#include "cnn.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float *input[CNN_MAX_CONVS], *pool_grad[CNN_MAX_CONVS], *head_input, *head_grad, *prediction;
  /*
   * With batch norm: x^ = (z - mean) s, the normalised convolution output z, and the statistics
   * [mean, s] per channel ([2 cout], s = 1/sqrt(var + eps)).
   */
  float *xhat[CNN_MAX_CONVS], *stats[CNN_MAX_CONVS];
  uint8_t *choice[CNN_MAX_CONVS];
} cnn_passes;

static int64_t pixels(const cnn_conv *y) { return y->h * y->w; }
static int normalized(const cnn_conv *y) { return y->norm_weight >= 0; }
static int64_t pooled(const cnn_conv *y) { return (y->h / 2) * (y->w / 2); }
static int64_t flat_of(const cnn_chunk *c) {
  const cnn_conv *last = &c->conv[c->convs - 1];
  return last->cout * pooled(last);
}

/* The next `bytes` of `kept` (NULL while only counting, kept NULL). */
static void *take(uint8_t *kept, size_t *at, size_t bytes) {
  void *where = kept ? kept + *at : NULL;
  *at += bytes;
  return where;
}

/*
 * Carves `kept` into the passes, floats first; returns the bytes used (with kept NULL, only counts
 * them). Without `backward`, only what a forward pass writes: no pool gradients, no x^.
 */
static size_t carve(const cnn_chunk *c, uint8_t *kept, cnn_passes *p, int backward) {
  const int64_t n = c->n;
  size_t at = 0;
  for (int l = 0; l < c->convs; l++) {
    const cnn_conv *y = &c->conv[l];
    p->input[l] = take(kept, &at, sizeof(float) * (size_t)(n * pixels(y) * y->cin));
    p->pool_grad[l] = backward ? take(kept, &at, sizeof(float) * (size_t)(n * pooled(y) * y->cout)) : NULL;
  }
  p->head_input = take(kept, &at, sizeof(float) * (size_t)(n * flat_of(c)));
  p->head_grad = take(kept, &at, sizeof(float) * (size_t)(n * c->k));
  p->prediction = take(kept, &at, sizeof(float) * (size_t)(n * c->k));
  for (int l = 0; l < c->convs; l++) {
    const cnn_conv *y = &c->conv[l];
    const int norm = normalized(y);
    p->xhat[l] = norm && backward ? take(kept, &at, sizeof(float) * (size_t)(n * pixels(y) * y->cout)) : NULL;
    p->stats[l] = norm ? take(kept, &at, sizeof(float) * (size_t)(2 * y->cout)) : NULL;
  }
  for (int l = 0; l < c->convs; l++) {
    const cnn_conv *y = &c->conv[l];
    p->choice[l] = take(kept, &at, (size_t)(n * pooled(y) * y->cout));
  }
  return at;
}

size_t cnn_kept_bytes(const cnn_chunk *c) {
  cnn_passes unused;
  return carve(c, NULL, &unused, 1);
}

size_t cnn_forward_bytes(const cnn_chunk *c) {
  cnn_passes unused;
  return carve(c, NULL, &unused, 0);
}

/* [n, C, H, W] -> [n, H, W, C], and back. */
static void chw_to_hwc(int64_t n, int64_t C, int64_t hw, const float *x, float *y) {
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < C; ch++)
      for (int64_t q = 0; q < hw; q++) y[(b * hw + q) * C + ch] = x[(b * C + ch) * hw + q];
}
static void hwc_to_chw(int64_t n, int64_t C, int64_t hw, const float *x, float *y) {
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < C; ch++)
      for (int64_t q = 0; q < hw; q++) y[(b * C + ch) * hw + q] = x[(b * hw + q) * C + ch];
}

void im2col3x3_f32(int64_t n, int64_t h, int64_t w, int64_t C, const float *x, float *cols) {
  const int64_t width = C * 9;
  for (int64_t b = 0; b < n; b++)
    for (int64_t r = 0; r < h; r++)
      for (int64_t s = 0; s < w; s++) {
        float *row = cols + ((b * h + r) * w + s) * width;
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) {
            const int64_t rr = r + i - 1, ss = s + j - 1;
            float *dst = row + (i * 3 + j) * C;
            const int inside = rr >= 0 && rr < h && ss >= 0 && ss < w;
            /* One channel (the first layer on MNIST): a plain store, not a library call per float. */
            if (C == 1)
              dst[0] = inside ? x[(b * h + rr) * w + ss] : 0.0f;
            else if (inside)
              memcpy(dst, x + ((b * h + rr) * w + ss) * C, sizeof(float) * (size_t)C);
            else
              memset(dst, 0, sizeof(float) * (size_t)C);
          }
      }
}

/* Wt [cout, 9*cin] (tap-major, the columns' order) from W [cout, cin*9] (PyTorch's order). */
static void tap_major(const cnn_conv *y, const float *W, float *Wt) {
  const int64_t C = y->cin, K = C * 9;
  for (int64_t o = 0; o < y->cout; o++)
    for (int64_t ch = 0; ch < C; ch++)
      for (int tap = 0; tap < 9; tap++) Wt[o * K + tap * C + ch] = W[o * K + ch * 9 + tap];
}

/* gW [cout, cin*9] (PyTorch's order) += gWt [cout, 9*cin] (tap-major). */
static void add_from_tap_major(const cnn_conv *y, const float *gWt, float *gW) {
  const int64_t C = y->cin, K = C * 9;
  for (int64_t o = 0; o < y->cout; o++)
    for (int64_t ch = 0; ch < C; ch++)
      for (int tap = 0; tap < 9; tap++) gW[o * K + ch * 9 + tap] += gWt[o * K + tap * C + ch];
}

void col2im3x3_f32(int64_t n, int64_t h, int64_t w, int64_t C, const float *dcols, float *dx) {
  const int64_t width = C * 9;
  memset(dx, 0, sizeof(float) * (size_t)(n * h * w * C));
  for (int64_t b = 0; b < n; b++)
    for (int64_t r = 0; r < h; r++)
      for (int64_t s = 0; s < w; s++) {
        const float *row = dcols + ((b * h + r) * w + s) * width;
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) {
            const int64_t rr = r + i - 1, ss = s + j - 1;
            if (rr < 0 || rr >= h || ss < 0 || ss >= w) continue;
            float *dst = dx + ((b * h + rr) * w + ss) * C;
            const float *src = row + (i * 3 + j) * C;
            for (int64_t ch = 0; ch < C; ch++) dst[ch] += src[ch];
          }
      }
}

/* a [rows, cout] (+)= cols W^T for cols [rows, cin*9] and W [cout, cin*9]; with b, a = b + cols W^T. */
static void conv_product(int64_t rows, const cnn_conv *y, const float *cols, const float *W, const float *b, int accumulate, float *a) {
  const int o = (int)y->cout, K = (int)(y->cin * 9);
  if (b) for (int64_t i = 0; i < rows; i++) memcpy(a + i * o, b, sizeof(float) * (size_t)o);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, o, K, 1.0f, cols, K, W, K, b || accumulate ? 1.0f : 0.0f, a, o);
}

/* gW [cout, cin*9] += d^T cols for d [rows, cout] (gW in the columns' order). */
static void conv_weight_product(int64_t rows, const cnn_conv *y, const float *d, const float *cols, float *gW) {
  const int o = (int)y->cout, K = (int)(y->cin * 9);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o, K, (int)rows, 1.0f, d, o, cols, K, 1.0f, gW, K);
}

/* dcols [rows, cin*9] (+)= d W. */
static void conv_input_product(int64_t rows, const cnn_conv *y, const float *d, const float *W, int accumulate, float *dcols) {
  const int o = (int)y->cout, K = (int)(y->cin * 9);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, K, o, 1.0f, d, o, W, K, accumulate ? 1.0f : 0.0f, dcols, K);
}

/* g [cols] += column sums of d [rows, cols], accumulated in double (hundreds of thousands of rows). */
static void column_sums(int64_t rows, int64_t width, const float *d, float *g) {
  double acc[1024];
  for (int64_t c0 = 0; c0 < width; c0 += 1024) {
    const int64_t m = width - c0 < 1024 ? width - c0 : 1024;
    for (int64_t j = 0; j < m; j++) acc[j] = 0.0;
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = 0; j < m; j++) acc[j] += d[i * width + c0 + j];
    for (int64_t j = 0; j < m; j++) g[c0 + j] += (float)acc[j];
  }
}

/* Element index (into [n, h, w, c]) of window element t (0..3, row-major) of pooled position (b, r, s, ch). */
static int64_t window_at(const cnn_conv *y, int64_t b, int64_t r, int64_t s, int64_t ch, int t) {
  return ((b * y->h + 2 * r + (t >> 1)) * y->w + 2 * s + (t & 1)) * y->cout + ch;
}

/* A pool choice: the window element taken (bits 0-1) and, in POSITIVE, whether it passed the relu (a > 0). */
enum { ELEMENT = 3, POSITIVE = 4 };

/*
 * relu then 2x2 max pool of a [n, h, w, cout] into out [n, h/2, w/2, cout] and the choices:
 * the window element taken is the first maximum, or a NaN (as PyTorch's max_pool2d). Without
 * NaN the comparisons are branch-free and vectorise; a NaN seen on the way reruns the pass
 * scalar with PyTorch's rule (a diverged run must show in the loss).
 */
static void relu_pool(int64_t n, const cnn_conv *y, const float *a, uint8_t *choice, float *out) {
  const int64_t hh = y->h / 2, ww = y->w / 2, C = y->cout;
  /* The sum of all relu'd values (each >= 0 or NaN) is NaN exactly when one is: a reduction that vectorises. */
  float probe = 0.0f;
  for (int64_t b = 0; b < n; b++)
    for (int64_t r = 0; r < hh; r++)
      for (int64_t s = 0; s < ww; s++) {
        const float *w0 = a + window_at(y, b, r, s, 0, 0), *w1 = a + window_at(y, b, r, s, 0, 1);
        const float *w2 = a + window_at(y, b, r, s, 0, 2), *w3 = a + window_at(y, b, r, s, 0, 3);
        const int64_t q = ((b * hh + r) * ww + s) * C;
        for (int64_t ch = 0; ch < C; ch++) {
          const float v0 = w0[ch] < 0.0f ? 0.0f : w0[ch], v1 = w1[ch] < 0.0f ? 0.0f : w1[ch];
          const float v2 = w2[ch] < 0.0f ? 0.0f : w2[ch], v3 = w3[ch] < 0.0f ? 0.0f : w3[ch];
          probe += (v0 + v1) + (v2 + v3);
          float best = v0, t = 0.0f;
          t = v1 > best ? 1.0f : t;
          best = v1 > best ? v1 : best;
          t = v2 > best ? 2.0f : t;
          best = v2 > best ? v2 : best;
          t = v3 > best ? 3.0f : t;
          best = v3 > best ? v3 : best;
          out[q + ch] = best;
          choice[q + ch] = (uint8_t)(t + (best > 0.0f ? (float)POSITIVE : 0.0f));
        }
      }
  if (probe == probe) return;
  for (int64_t b = 0; b < n; b++)
    for (int64_t r = 0; r < hh; r++)
      for (int64_t s = 0; s < ww; s++)
        for (int64_t ch = 0; ch < C; ch++) {
          float best = -1.0f;
          int t_best = 0;
          for (int t = 0; t < 4; t++) {
            const float raw = a[window_at(y, b, r, s, ch, t)];
            const float v = raw < 0.0f ? 0.0f : raw;
            if (t == 0 || v > best || (isnan(v) && !isnan(best))) {
              best = v;
              t_best = t;
            }
          }
          const int64_t q = ((b * hh + r) * ww + s) * C + ch;
          out[q] = best;
          choice[q] = (uint8_t)(t_best | (a[window_at(y, b, r, s, ch, t_best)] > 0.0f ? POSITIVE : 0));
        }
}

/*
 * The relu-then-pool pass of a perturbation (pooled[q] = x at the window element chosen at
 * theta where it passed the relu, else 0), and with `adjoint` its transpose: x [n, h, w, cout]
 * = each pooled value routed back to the chosen element where it passed the relu, zero elsewhere.
 */
static void pool_route(int64_t n, const cnn_conv *y, const uint8_t *choice, const float *from, float *to, int adjoint) {
  const int64_t hh = y->h / 2, ww = y->w / 2, C = y->cout;
  if (adjoint) memset(to, 0, sizeof(float) * (size_t)(n * pixels(y) * C));
  for (int64_t b = 0; b < n; b++)
    for (int64_t r = 0; r < hh; r++)
      for (int64_t s = 0; s < ww; s++)
        for (int64_t ch = 0; ch < C; ch++) {
          const int64_t q = ((b * hh + r) * ww + s) * C + ch;
          const int64_t at = window_at(y, b, r, s, ch, choice[q] & ELEMENT);
          const int positive = choice[q] & POSITIVE;
          if (adjoint) {
            if (positive) to[at] = from[q];
          } else {
            to[q] = positive ? from[at] : 0.0f;
          }
        }
}

/*
 * Batch norm over m rows of C channels (the images' pixels) with the statistics [mean, s] ([2C],
 * s = 1/sqrt(var + eps)): unless `given`, first computed here as the batch mean and biased
 * variance (two passes, in double). z is overwritten by y = gamma x^ + beta, x^ = (z - mean) s
 * also goes to xhat unless it is NULL. Returns 0 without memory.
 */
static int batch_norm_forward(int64_t m, int64_t C, float eps, const float *gamma, const float *beta, float *z, float *xhat, float *stats, int given) {
  const float *mu = stats, *inv_std = stats + C;
  if (!given) {
    double *mean = calloc((size_t)(2 * C), sizeof(double));
    if (!mean) return 0;
    double *var = mean + C;
    for (int64_t i = 0; i < m; i++)
      for (int64_t ch = 0; ch < C; ch++) mean[ch] += z[i * C + ch];
    for (int64_t ch = 0; ch < C; ch++) mean[ch] /= (double)m;
    for (int64_t i = 0; i < m; i++)
      for (int64_t ch = 0; ch < C; ch++) {
        const double d = z[i * C + ch] - mean[ch];
        var[ch] += d * d;
      }
    for (int64_t ch = 0; ch < C; ch++) {
      stats[ch] = (float)mean[ch];
      stats[C + ch] = (float)(1.0 / sqrt(var[ch] / (double)m + (double)eps));
    }
    free(mean);
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t ch = 0; ch < C; ch++) {
      const float x = (z[i * C + ch] - mu[ch]) * inv_std[ch];
      if (xhat) xhat[i * C + ch] = x;
      z[i * C + ch] = gamma[ch] * x + beta[ch];
    }
  return 1;
}

/*
 * Per channel, sums over m rows of products of [m, C] arrays, in double: sums[j * C + ch] =
 * sum_i a_j[i, ch] b_j[i, ch] (b_j NULL: the plain sum of a_j).
 */
static void channel_sums(int64_t m, int64_t C, int count, const float *const *a, const float *const *b, double *sums) {
  memset(sums, 0, sizeof(double) * (size_t)(count * C));
  for (int64_t i = 0; i < m; i++)
    for (int j = 0; j < count; j++) {
      const float *x = a[j] + i * C, *y = b[j] ? b[j] + i * C : NULL;
      double *acc = sums + j * C;
      if (y)
        for (int64_t ch = 0; ch < C; ch++) acc[ch] += (double)x[ch] * y[ch];
      else
        for (int64_t ch = 0; ch < C; ch++) acc[ch] += x[ch];
    }
}

/*
 * The backward pass of batch norm: g [m, C] holds dL/dy and is overwritten by dL/dz =
 * s gamma (g - mean(g) - x^ mean(g x^)), the terms through the batch statistics included;
 * dgamma += sum g x^, dbeta += sum g.
 */
static int batch_norm_backward(int64_t m, int64_t C, const float *gamma, const float *xhat, const float *inv_std, float *g, float *dgamma, float *dbeta) {
  double *sums = malloc(sizeof(double) * (size_t)(2 * C));
  if (!sums) return 0;
  const float *a[2] = {g, g}, *b[2] = {NULL, xhat};
  channel_sums(m, C, 2, a, b, sums);
  float mg[C], mgx[C], scale[C];
  for (int64_t ch = 0; ch < C; ch++) {
    dbeta[ch] += (float)sums[ch];
    dgamma[ch] += (float)sums[C + ch];
    mg[ch] = (float)(sums[ch] / (double)m);
    mgx[ch] = (float)(sums[C + ch] / (double)m);
    scale[ch] = inv_std[ch] * gamma[ch];
  }
  free(sums);
  for (int64_t i = 0; i < m; i++)
    for (int64_t ch = 0; ch < C; ch++) g[i * C + ch] = scale[ch] * (g[i * C + ch] - mg[ch] - xhat[i * C + ch] * mgx[ch]);
  return 1;
}

/*
 * The R-pass of batch norm along (V, Vgamma, Vbeta): r [m, C] holds R{z} and is overwritten by
 * R{y} = Vgamma x^ + gamma R{x^} + Vbeta, with R{x^} = s (R{z} - mean R{z} - x^ mean(x^ R{z}))
 * stored in rxhat and mean(x^ R{z}) per channel in mxr (R{s} = -s^2 mxr).
 */
static int batch_norm_tangent(int64_t m, int64_t C, const float *gamma, const float *vgamma, const float *vbeta, const float *xhat, const float *inv_std, float *r, float *rxhat, float *mxr) {
  double *sums = malloc(sizeof(double) * (size_t)(2 * C));
  if (!sums) return 0;
  const float *a[2] = {r, r}, *b[2] = {NULL, xhat};
  channel_sums(m, C, 2, a, b, sums);
  float mr[C];
  for (int64_t ch = 0; ch < C; ch++) {
    mr[ch] = (float)(sums[ch] / (double)m);
    mxr[ch] = (float)(sums[C + ch] / (double)m);
  }
  free(sums);
  for (int64_t i = 0; i < m; i++)
    for (int64_t ch = 0; ch < C; ch++) {
      const int64_t q = i * C + ch;
      const float x = xhat[q], rx = inv_std[ch] * (r[q] - mr[ch] - x * mxr[ch]);
      rxhat[q] = rx;
      r[q] = vgamma[ch] * x + gamma[ch] * rx + vbeta[ch];
    }
  return 1;
}

/*
 * The R-pass of batch norm's backward: with g = dL/dy and rg = R{dL/dy} [m, C] (the R-pass
 * of u = gamma g is R{u} = Vgamma g + gamma rg), overwrites g by dL/dz = s P(u) and rg by
 *   R{dL/dz} = R{s} P(u) + s (R{u} - mean R{u} - R{x^} mean(x^ u) - x^ (mean(R{x^} u) + mean(x^ R{u}))),
 * P(u) = u - mean u - x^ mean(x^ u); Hv's gamma block += sum rg x^ + g R{x^}, beta block += sum rg.
 */
static int batch_norm_second(int64_t m, int64_t C, const float *gamma, const float *vgamma, const float *xhat, const float *inv_std, const float *rxhat, const float *mxr, float *g, float *rg, float *hgamma, float *hbeta) {
  double *sums = malloc(sizeof(double) * (size_t)(5 * C));
  if (!sums) return 0;
  const float *a[5] = {g, g, rg, rg, g}, *b[5] = {NULL, xhat, NULL, xhat, rxhat};
  channel_sums(m, C, 5, a, b, sums);
  float mu[C], mxu[C], mru[C], mxru[C], mrxu[C], rs[C];
  for (int64_t ch = 0; ch < C; ch++) {
    const double sg = sums[ch], sgx = sums[C + ch], srg = sums[2 * C + ch], srgx = sums[3 * C + ch], sgrx = sums[4 * C + ch];
    hgamma[ch] += (float)(srgx + sgrx);
    hbeta[ch] += (float)srg;
    mu[ch] = (float)(gamma[ch] * sg / (double)m);
    mxu[ch] = (float)(gamma[ch] * sgx / (double)m);
    mru[ch] = (float)((vgamma[ch] * sg + gamma[ch] * srg) / (double)m);
    mxru[ch] = (float)((vgamma[ch] * sgx + gamma[ch] * srgx) / (double)m);
    mrxu[ch] = (float)(gamma[ch] * sgrx / (double)m);
    rs[ch] = -inv_std[ch] * inv_std[ch] * mxr[ch];
  }
  free(sums);
  for (int64_t i = 0; i < m; i++)
    for (int64_t ch = 0; ch < C; ch++) {
      const int64_t q = i * C + ch;
      const float x = xhat[q], u = gamma[ch] * g[q], ru = vgamma[ch] * g[q] + gamma[ch] * rg[q];
      const float pu = u - mu[ch] - x * mxu[ch];
      rg[q] = rs[ch] * pu + inv_std[ch] * (ru - mru[ch] - rxhat[q] * mxu[ch] - x * (mrxu[ch] + mxru[ch]));
      g[q] = inv_std[ch] * pu;
    }
  return 1;
}

/* f [n, k] = b + x W^T (x [n, flat]), accumulated onto f when b is NULL. */
static void head_product(const cnn_chunk *c, const float *x, const float *W, const float *b, float *f) {
  const int k = (int)c->k, flat = (int)flat_of(c);
  if (b) for (int64_t i = 0; i < c->n; i++) memcpy(f + i * k, b, sizeof(float) * (size_t)k);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c->n, k, flat, 1.0f, x, flat, W, flat, 1.0f, f, k);
}

/* gW [k, flat] += d^T x. */
static void head_weight_product(const cnn_chunk *c, const float *d, const float *x, float *gW) {
  const int k = (int)c->k, flat = (int)flat_of(c);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, flat, (int)c->n, 1.0f, d, k, x, flat, 1.0f, gW, flat);
}

/* dx [n, flat] (+)= d W. */
static void head_input_product(const cnn_chunk *c, const float *d, const float *W, int accumulate, float *dx) {
  const int k = (int)c->k, flat = (int)flat_of(c);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c->n, flat, k, 1.0f, d, k, W, flat, accumulate ? 1.0f : 0.0f, dx, flat);
}

/*
 * Images per im2col block: each convolution runs im2col and its sgemms over blocks of
 * about 1 MB of columns, which stay in cache; the columns of a whole chunk (over 100 MB
 * for 500 MNIST images) would stream through memory at every pass.
 */
static int64_t block_images(const cnn_chunk *c, const cnn_conv *y) {
  const int64_t b = ((int64_t)1 << 20) / (pixels(y) * y->cin * 9 * (int64_t)sizeof(float));
  return b < 1 ? 1 : b > c->n ? c->n : b;
}

/* The largest per-block buffers: im2col columns (one block), convolution outputs, and weights. */
static void widest(const cnn_chunk *c, int64_t *cols, int64_t *outs, int64_t *weights) {
  *cols = *outs = *weights = 0;
  for (int l = 0; l < c->convs; l++) {
    const cnn_conv *y = &c->conv[l];
    const int64_t cc = block_images(c, y) * pixels(y) * y->cin * 9, oo = c->n * pixels(y) * y->cout;
    if (cc > *cols) *cols = cc;
    if (oo > *outs) *outs = oo;
    if (y->cout * y->cin * 9 > *weights) *weights = y->cout * y->cin * 9;
  }
}

/*
 * The forward pass into the passes p, the outputs f [n, k] and the chunk's share of the mean loss
 * (its gradient at f into p->head_grad). Batch norm normalises with the statistics of `statistics`
 * (per batch-norm block [mean, s], blocks in order) where given, else computes them into p->stats
 * and copies them there (when not NULL). Scratch: cols, a (the widest convolution output), last
 * (the head's input, NHWC) and Wt. Returns 0 without memory.
 */
static int forward(const cnn_chunk *c, const float *theta, const float *X, const float *Y, const cnn_passes *p, float *statistics, int given, float *cols, float *a, float *last,
                   float *Wt, float *f, double *loss) {
  const int64_t n = c->n, L = c->convs;
  const cnn_conv *first = &c->conv[0];
  chw_to_hwc(n, first->cin, pixels(first), X, p->input[0]);
  for (int l = 0; l < L; l++) {
    const cnn_conv *y = &c->conv[l];
    const int64_t P = pixels(y), B = block_images(c, y);
    tap_major(y, theta + y->weight, Wt);
    for (int64_t b0 = 0; b0 < n; b0 += B) {
      const int64_t nb = n - b0 < B ? n - b0 : B;
      im2col3x3_f32(nb, y->h, y->w, y->cin, p->input[l] + b0 * P * y->cin, cols);
      conv_product(nb * P, y, cols, Wt, theta + y->bias, 0, a + b0 * P * y->cout);
    }
    if (normalized(y)) {
      if (statistics && given) memcpy(p->stats[l], statistics, sizeof(float) * (size_t)(2 * y->cout));
      if (!batch_norm_forward(n * P, y->cout, c->norm_eps, theta + y->norm_weight, theta + y->norm_bias, a, p->xhat[l], p->stats[l], statistics && given)) return 0;
      if (statistics && !given) memcpy(statistics, p->stats[l], sizeof(float) * (size_t)(2 * y->cout));
      if (statistics) statistics += 2 * y->cout;
    }
    relu_pool(n, y, a, p->choice[l], l < L - 1 ? p->input[l + 1] : last);
  }
  const cnn_conv *top = &c->conv[L - 1];
  hwc_to_chw(n, top->cout, pooled(top), last, p->head_input);
  head_product(c, p->head_input, theta + c->head_weight, theta + c->head_bias, f);
  *loss = output_loss(c->loss, c->inv_n, n, (int)c->k, f, Y, p->head_grad, c->loss == DENSE_CE ? p->prediction : NULL) * c->inv_n;
  return 1;
}

int cnn_forward_f32(const cnn_chunk *c, const float *theta, const float *X, const float *Y, float *statistics, int given, float *f, double *loss, void *scratch) {
  cnn_passes p;
  carve(c, scratch, &p, 0);
  int64_t cols_size, out_size, weights;
  widest(c, &cols_size, &out_size, &weights);
  float *cols = native_scratch((size_t)(cols_size + out_size + c->n * flat_of(c) + weights));
  if (!cols) return 0;
  float *a = cols + cols_size, *last = a + out_size, *Wt = last + c->n * flat_of(c);
  return forward(c, theta, X, Y, &p, statistics, given, cols, a, last, Wt, f, loss);
}

int cnn_loss_grad_f32(const cnn_chunk *c, const float *theta, const float *X, const float *Y, float *grad, double *loss, void *kept) {
  const int64_t n = c->n, L = c->convs, flat = flat_of(c);
  cnn_passes p;
  carve(c, kept, &p, 1);
  int64_t cols_size, out_size, weights;
  widest(c, &cols_size, &out_size, &weights);
  float *cols = native_scratch((size_t)(cols_size + out_size + n * flat + n * c->k + 2 * weights));
  if (!cols) return 0;
  float *a = cols + cols_size, *last = a + out_size, *f = last + n * flat, *Wt = f + n * c->k, *gWt = Wt + weights;
  if (!forward(c, theta, X, Y, &p, NULL, 0, cols, a, last, Wt, f, loss)) return 0;
  const cnn_conv *top = &c->conv[L - 1];

  head_weight_product(c, p.head_grad, p.head_input, grad + c->head_weight);
  column_sums(n, c->k, p.head_grad, grad + c->head_bias);
  head_input_product(c, p.head_grad, theta + c->head_weight, 0, last);
  chw_to_hwc(n, top->cout, pooled(top), last, p.pool_grad[L - 1]);
  for (int64_t l = L - 1; l >= 0; l--) {
    const cnn_conv *y = &c->conv[l];
    const int64_t P = pixels(y), B = block_images(c, y);
    pool_route(n, y, p.choice[l], p.pool_grad[l], a, 1);
    if (normalized(y) &&
        !batch_norm_backward(n * P, y->cout, theta + y->norm_weight, p.xhat[l], p.stats[l] + y->cout, a, grad + y->norm_weight, grad + y->norm_bias))
      return 0;
    column_sums(n * P, y->cout, a, grad + y->bias);
    tap_major(y, theta + y->weight, Wt);
    memset(gWt, 0, sizeof(float) * (size_t)(y->cout * y->cin * 9));
    for (int64_t b0 = 0; b0 < n; b0 += B) {
      const int64_t nb = n - b0 < B ? n - b0 : B;
      const float *d = a + b0 * P * y->cout;
      im2col3x3_f32(nb, y->h, y->w, y->cin, p.input[l] + b0 * P * y->cin, cols);
      conv_weight_product(nb * P, y, d, cols, gWt);
      if (l == 0) continue;
      conv_input_product(nb * P, y, d, Wt, 0, cols);
      col2im3x3_f32(nb, y->h, y->w, y->cin, cols, p.pool_grad[l - 1] + b0 * P * y->cin);
    }
    add_from_tap_major(y, gWt, grad + y->weight);
  }
  return 1;
}

int cnn_hvp_f32(const cnn_chunk *c, const float *theta, const void *kept, const float *v, float *out) {
  const int64_t n = c->n, L = c->convs, flat = flat_of(c);
  cnn_passes p;
  carve(c, (uint8_t *)kept, &p, 1);
  int64_t cols_size, out_size, weights, inputs = 0, pools = 0, norms = 0;
  widest(c, &cols_size, &out_size, &weights);
  for (int l = 1; l < L; l++) inputs += n * pixels(&c->conv[l]) * c->conv[l].cin;
  for (int l = 0; l < L; l++)
    if (normalized(&c->conv[l])) norms += (n * pixels(&c->conv[l]) + 1) * c->conv[l].cout;
  for (int l = 0; l < L; l++) {
    const int64_t size = n * pooled(&c->conv[l]) * c->conv[l].cout;
    if (size > pools) pools = size;
  }
  float *cols = native_scratch((size_t)(cols_size + 2 * out_size + inputs + norms + 2 * n * flat + 2 * n * c->k + 2 * pools + 3 * weights));
  if (!cols) return 0;
  float *Ra = cols + cols_size, *delta = Ra + out_size, *next = delta + out_size;
  /* With batch norm, each block's R{x^} and mean(x^ R{z}) from the R-forward, for the R-backward. */
  float *Rxhat[CNN_MAX_CONVS] = {NULL}, *mxr[CNN_MAX_CONVS] = {NULL};
  for (int l = 0; l < L; l++) {
    const cnn_conv *y = &c->conv[l];
    if (!normalized(y)) continue;
    Rxhat[l] = next;
    mxr[l] = Rxhat[l] + n * pixels(y) * y->cout;
    next = mxr[l] + y->cout;
  }
  /* R{input} of each block past the first (the data's is zero). */
  float *Rx[CNN_MAX_CONVS] = {NULL};
  for (int l = 1; l < L; l++) {
    Rx[l] = next;
    next += n * pixels(&c->conv[l]) * c->conv[l].cin;
  }
  float *Rhead = next, *last = Rhead + n * flat, *Rf = last + n * flat, *Rdhead = Rf + n * c->k;
  float *Rpool = Rdhead + n * c->k, *Rpool_next = Rpool + pools;
  float *Wt = Rpool_next + pools, *Vt = Wt + weights, *gWt = Vt + weights;

  /*
   * R-forward: Ra_l = conv(x_l; V_l) + Vb_l + conv(R{x_l}; W_l), then batch norm's R-pass where
   * there is one, and R{x_{l+1}} = pool(relu mask * Ra_l).
   */
  for (int l = 0; l < L; l++) {
    const cnn_conv *y = &c->conv[l];
    const int64_t P = pixels(y), B = block_images(c, y);
    tap_major(y, theta + y->weight, Wt);
    tap_major(y, v + y->weight, Vt);
    for (int64_t b0 = 0; b0 < n; b0 += B) {
      const int64_t nb = n - b0 < B ? n - b0 : B, in = b0 * P * y->cin;
      float *Rab = Ra + b0 * P * y->cout;
      im2col3x3_f32(nb, y->h, y->w, y->cin, p.input[l] + in, cols);
      conv_product(nb * P, y, cols, Vt, v + y->bias, 0, Rab);
      if (l == 0) continue;
      im2col3x3_f32(nb, y->h, y->w, y->cin, Rx[l] + in, cols);
      conv_product(nb * P, y, cols, Wt, NULL, 1, Rab);
    }
    if (normalized(y) && !batch_norm_tangent(n * P, y->cout, theta + y->norm_weight, v + y->norm_weight, v + y->norm_bias, p.xhat[l], p.stats[l] + y->cout, Ra, Rxhat[l], mxr[l]))
      return 0;
    pool_route(n, y, p.choice[l], Ra, l < L - 1 ? Rx[l + 1] : last, 0);
  }
  const cnn_conv *top = &c->conv[L - 1];
  hwc_to_chw(n, top->cout, pooled(top), last, Rhead);
  head_product(c, p.head_input, v + c->head_weight, v + c->head_bias, Rf);
  head_product(c, Rhead, theta + c->head_weight, NULL, Rf);
  output_hessian_times(c->loss, c->inv_n, n, (int)c->k, p.prediction, Rf, Rdhead);

  /* R-backward: the blocks of H v, and R{dL/dx} = R{delta} W + delta V through each layer. */
  head_weight_product(c, Rdhead, p.head_input, out + c->head_weight);
  head_weight_product(c, p.head_grad, Rhead, out + c->head_weight);
  column_sums(n, c->k, Rdhead, out + c->head_bias);
  head_input_product(c, Rdhead, theta + c->head_weight, 0, last);
  head_input_product(c, p.head_grad, v + c->head_weight, 1, last);
  chw_to_hwc(n, top->cout, pooled(top), last, Rpool);
  for (int64_t l = L - 1; l >= 0; l--) {
    const cnn_conv *y = &c->conv[l];
    const int64_t P = pixels(y), B = block_images(c, y);
    pool_route(n, y, p.choice[l], Rpool, Ra, 1);
    pool_route(n, y, p.choice[l], p.pool_grad[l], delta, 1);
    if (normalized(y) && !batch_norm_second(n * P, y->cout, theta + y->norm_weight, v + y->norm_weight, p.xhat[l], p.stats[l] + y->cout, Rxhat[l], mxr[l], delta,
                                            Ra, out + y->norm_weight, out + y->norm_bias))
      return 0;
    column_sums(n * P, y->cout, Ra, out + y->bias);
    tap_major(y, theta + y->weight, Wt);
    tap_major(y, v + y->weight, Vt);
    memset(gWt, 0, sizeof(float) * (size_t)(y->cout * y->cin * 9));
    for (int64_t b0 = 0; b0 < n; b0 += B) {
      const int64_t nb = n - b0 < B ? n - b0 : B, in = b0 * P * y->cin, at = b0 * P * y->cout;
      im2col3x3_f32(nb, y->h, y->w, y->cin, p.input[l] + in, cols);
      conv_weight_product(nb * P, y, Ra + at, cols, gWt);
      if (l == 0) continue;
      im2col3x3_f32(nb, y->h, y->w, y->cin, Rx[l] + in, cols);
      conv_weight_product(nb * P, y, delta + at, cols, gWt);
      conv_input_product(nb * P, y, Ra + at, Wt, 0, cols);
      conv_input_product(nb * P, y, delta + at, Vt, 1, cols);
      col2im3x3_f32(nb, y->h, y->w, y->cin, cols, Rpool_next + in);
    }
    add_from_tap_major(y, gWt, out + y->weight);
    if (l == 0) break;
    float *t = Rpool;
    Rpool = Rpool_next;
    Rpool_next = t;
  }
  return 1;
}
