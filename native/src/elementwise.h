#ifndef EOS_ELEMENTWISE_H
#define EOS_ELEMENTWISE_H

#include <stddef.h>
#include <stdint.h>

#define MAX_RANK 8

enum unary_op { UNARY_TANH = 0, UNARY_EXP = 1 };
enum compare_op { CMP_EQUAL = 0, CMP_NOT_EQUAL, CMP_GREATER, CMP_GREATER_EQUAL, CMP_LESS, CMP_LESS_EQUAL };
enum reduce_op { REDUCE_SUM = 0, REDUCE_MAX = 1 };

/* y = f(x) for n floats (y may equal x). */
void unary_f32(enum unary_op op, const float *x, float *y, size_t n);

/* out = a OP b (1 or 0) over `shape`; element strides per axis (0 broadcasts). */
void compare_f32(enum compare_op op, int rank, const int64_t *shape, const int64_t *astride, const int64_t *bstride,
                 const float *a, const float *b, unsigned char *out);

/* out [outer, sum of inner] = the inputs [outer, inner[i]] side by side. */
void concat_f32(int count, const float *const *inputs, const int64_t *inner, int64_t outer, float *out);

/* out = x[begin : begin + size] for a row-major x of `shape` and 4-byte elements. */
void slice_4byte(int rank, const int64_t *shape, const int64_t *begin, const int64_t *size, const uint32_t *x, uint32_t *out);

/* The inverse of concat_f32: x [outer, sum of inner] into outputs [outer, inner[i]]. */
void split_f32(int count, const float *x, const int64_t *inner, int64_t outer, float *const *outputs);

/* out = (float)x for bool (uint8) or int32 inputs. */
void bool_to_f32(const unsigned char *x, float *out, size_t n);
void int32_to_f32(const int32_t *x, float *out, size_t n);

/* x viewed as [outer, size, inner] reduced over the middle axis into out [outer, inner]. */
void reduce_f32(enum reduce_op op, const float *x, float *out, int64_t outer, int64_t size, int64_t inner);

#endif
