#ifndef EOS_CNN_H
#define EOS_CNN_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"

#define CNN_MAX_CONVS 16

/*
 * One block [3x3 convolution (stride 1, zero padding 1) -> (batch norm) -> relu -> 2x2 max pool]
 * of src/models/cnn.ts.
 */
typedef struct {
  /* Input channels, output channels, and the input's height and width (the convolution keeps them; the pool halves them). */
  int64_t cin, cout, h, w;
  /* Element offsets of the weight [cout, cin, 3, 3] and bias [cout] in the flat parameter vector. */
  int64_t weight, bias;
  /*
   * Offsets of the batch norm's weight and bias [cout] (nn.BatchNorm2d with the statistics of
   * the chunk: the chunk must be the whole batch), or -1 for a block without batch norm.
   */
  int64_t norm_weight, norm_bias;
} cnn_conv;

/*
 * cols [n*h*w, 9*C] = the 3x3 neighbourhood (zero padded) of each pixel of x [n, h, w, C], column
 * (i*3 + j) * C + c: the im2col of a 3x3 convolution (stride 1, padding 1), taps major.
 */
void im2col3x3_f32(int64_t n, int64_t h, int64_t w, int64_t C, const float *x, float *cols);

/* dx [n, h, w, C] = the adjoint of im2col3x3_f32 applied to dcols [n*h*w, 9*C]. */
void col2im3x3_f32(int64_t n, int64_t h, int64_t w, int64_t C, const float *dcols, float *dx);

/* A chunk of n images through the CNN: the blocks, then a linear head on the (C, H, W)-flattened last pool. */
typedef struct {
  int64_t n;
  int convs;
  enum dense_loss loss;
  float inv_n;
  /* The eps of the batch norms' 1/sqrt(var + eps). */
  float norm_eps;
  /* Outputs, and the head's weight [k, flat] and bias [k] offsets. */
  int64_t k, head_weight, head_bias;
  const cnn_conv *conv;
} cnn_chunk;

/*
 * Bytes of the passes at theta that cnn_loss_grad_f32 keeps for cnn_hvp_f32: per block
 * its input (NHWC), the gradient at its pool output and the pool's choice in each window
 * (with whether it passed the relu), with batch norm the normalised convolution output
 * and each channel's 1/sqrt(var + eps); the head's input, output gradient and (CE) softmax.
 */
size_t cnn_kept_bytes(const cnn_chunk *chunk);

/*
 * grad += dL/dtheta of the chunk's share of the mean loss, for images X [n, C*H*W]
 * (PyTorch's flattening) and targets Y [n, k]; *loss = that share. The passes go to
 * `kept` (cnn_kept_bytes, 8-byte aligned). Returns 0 when scratch memory cannot be
 * allocated.
 */
int cnn_loss_grad_f32(const cnn_chunk *chunk, const float *theta, const float *X, const float *Y, float *grad, double *loss, void *kept);

/* Bytes of the scratch passes of cnn_forward_f32. */
size_t cnn_forward_bytes(const cnn_chunk *chunk);

/*
 * The forward pass alone: f [n, k] = the network's outputs, *loss = the chunk's share of the mean
 * loss. Batch norm normalises with `statistics` (per batch-norm block its channels' means, then
 * their 1/sqrt(var + eps)) when `given`, else with the chunk's own, which are written there
 * (statistics NULL: not written). scratch: cnn_forward_bytes, 8-byte aligned. Returns 0 without memory.
 */
int cnn_forward_f32(const cnn_chunk *chunk, const float *theta, const float *X, const float *Y, float *statistics, int given, float *f, double *loss, void *scratch);

/* out += H v for the chunk by Pearlmutter's R-operator over the passes kept at theta. Returns 0 without memory. */
int cnn_hvp_f32(const cnn_chunk *chunk, const float *theta, const void *kept, const float *v, float *out);

#endif
