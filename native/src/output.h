#ifndef EOS_OUTPUT_H
#define EOS_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

enum dense_activation { DENSE_RELU = 0, DENSE_TANH = 1 };
enum dense_loss { DENSE_MSE = 0, DENSE_CE = 1 };

/*
 * Scratch memory shared by the native objectives (dense.c, cnn.c), reused across
 * calls: they come in long runs of the same shapes, and fresh pages would fault
 * every call. One call at a time uses it. NULL when memory runs out.
 */
float *native_scratch(size_t floats);

/*
 * The loss at the outputs f [n, k] for targets Y [n, k], summed over the n samples
 * (MSE 1/2 ||f - y||^2, CE logsumexp(f) - <f, y>), and delta = inv_n dloss/df.
 * With `prediction` (CE only), the softmax of f is written there as well.
 */
double output_loss(enum dense_loss loss, float inv_n, int64_t n, int k, const float *f, const float *Y, float *delta, float *prediction);

/* out = inv_n * (the loss's Hessian at the outputs) r: r for MSE, (diag(p) - p p^T) r for CE with p = prediction. */
void output_hessian_times(enum dense_loss loss, float inv_n, int64_t n, int k, const float *prediction, const float *r, float *out);

#endif
