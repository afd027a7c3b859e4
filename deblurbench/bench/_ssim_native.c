/*
 * Gaussian SSIM sums for deblurbench.bench.metrics, one block of output rows and columns per call.
 *
 * The same definition as metrics._ssim_sums_torch (scikit-image's Gaussian SSIM,
 * optionally MATLAB's 3-D variant), computed in float64 in one sweep: each padded
 * input row is filtered horizontally into a ring of the last 11 rows, the ring is
 * filtered vertically into one output row, optionally mixed along the channel axis,
 * and the SSIM map of that row is summed at once. Blocks are narrow enough that the
 * ring stays in cache, which is what makes this several times faster than the torch
 * code, whose elementwise passes over float64 maps are memory-bound on CPU.
 *
 * Built by deblurbench/bench/native.py with the machine's C compiler and called
 * through ctypes (which releases the GIL, so blocks run in parallel threads).
 */
#include <stddef.h>

#define TAPS 11
#define MAPS 4 /* x, y, x^2 + y^2, xy */
#define LANES 8

typedef struct {
    double g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10;
} taps_t;

static taps_t load_taps(const double *g) {
    taps_t t = {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10]};
    return t;
}

static long clamp(long v, long lo, long hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Doubles of workspace one call needs for blocks of up to block_w output columns. */
long dbb_ssim_work_size(long channels, long block_w) {
    long n_in = block_w + TAPS - 1;
    return (long)MAPS * n_in + (TAPS + 2) * channels * MAPS * block_w + LANES;
}

/*
 * One source row, padded columns [j0, j0 + n_in) (replicate), into p0 (x) and p1 (y);
 * adds to bad[0] / bad[1] the number of x / y values outside [0, range] or NaN.
 */
static void load_row(const float *xf, const double *xd, const float *yf, const double *yd, long width,
                     long pad, long j0, long n_in, double range, double *restrict p0, double *restrict p1,
                     long *bad) {
    long a = clamp(pad - j0, 0, n_in), b = clamp(width + pad - j0, a, n_in); /* unclamped columns */
    long s0 = j0 - pad;                                                        /* source of column 0 */
    if (xf) {
        for (long j = a; j < b; j++) {
            p0[j] = (double)xf[s0 + j];
            p1[j] = (double)yf[s0 + j];
        }
    } else {
        for (long j = a; j < b; j++) {
            p0[j] = xd[s0 + j];
            p1[j] = yd[s0 + j];
        }
    }
    long bx = 0, by = 0;
    for (long j = a; j < b; j++) {
        bx += (p0[j] >= 0.0) & (p0[j] <= range);
        by += (p1[j] >= 0.0) & (p1[j] <= range);
    }
    bad[0] += (b - a) - bx; /* bx, by counted the good ones */
    bad[1] += (b - a) - by;
    for (long j = 0; j < a; j++) {
        p0[j] = xf ? (double)xf[0] : xd[0];
        p1[j] = yf ? (double)yf[0] : yd[0];
    }
    for (long j = b; j < n_in; j++) {
        p0[j] = xf ? (double)xf[width - 1] : xd[width - 1];
        p1[j] = yf ? (double)yf[width - 1] : yd[width - 1];
    }
}

/* The four maps of one loaded row, each filtered horizontally into h (n_out per map). */
static void filter_row(double *restrict p, long n_out, taps_t g, double *restrict h) {
    long n_in = n_out + TAPS - 1;
    double *restrict p0 = p, *restrict p1 = p + n_in, *restrict p2 = p + 2 * n_in, *restrict p3 = p + 3 * n_in;
    for (long j = 0; j < n_in; j++) {
        double a = p0[j], b = p1[j];
        p2[j] = a * a + b * b;
        p3[j] = a * b;
    }
    for (int m = 0; m < MAPS; m++) {
        const double *restrict s = p + m * n_in;
        double *restrict dst = h + m * n_out;
        for (long j = 0; j < n_out; j++)
            dst[j] = g.g0 * s[j] + g.g1 * s[j + 1] + g.g2 * s[j + 2] + g.g3 * s[j + 3] + g.g4 * s[j + 4] +
                     g.g5 * s[j + 5] + g.g6 * s[j + 6] + g.g7 * s[j + 7] + g.g8 * s[j + 8] +
                     g.g9 * s[j + 9] + g.g10 * s[j + 10];
    }
}

/* The vertical filter: one output row from the ring's 11 rows, oldest first from slot first. */
static void vertical(const double *ring, long first, long plane, taps_t g, double *restrict v) {
#define ROW(t) (ring + ((first + (t)) % TAPS) * plane)
    const double *restrict a0 = ROW(0), *restrict a1 = ROW(1), *restrict a2 = ROW(2);
    const double *restrict a3 = ROW(3), *restrict a4 = ROW(4), *restrict a5 = ROW(5);
    const double *restrict a6 = ROW(6), *restrict a7 = ROW(7), *restrict a8 = ROW(8);
    const double *restrict a9 = ROW(9), *restrict a10 = ROW(10);
#undef ROW
    for (long k = 0; k < plane; k++)
        v[k] = g.g0 * a0[k] + g.g1 * a1[k] + g.g2 * a2[k] + g.g3 * a3[k] + g.g4 * a4[k] + g.g5 * a5[k] +
               g.g6 * a6[k] + g.g7 * a7[k] + g.g8 * a8[k] + g.g9 * a9[k] + g.g10 * a10[k];
}

/* Sum over [lo, hi) of the SSIM map of one output row, from its four filtered maps. */
static double ssim_row_sum(const double *mp, long stride, long lo, long hi, double c1, double c2,
                           double *restrict lanes) {
    const double *restrict ux = mp, *restrict uy = mp + stride, *restrict ss = mp + 2 * stride;
    const double *restrict xy = mp + 3 * stride;
    for (int k = 0; k < LANES; k++) lanes[k] = 0.0;
    long j = lo;
    for (; j + LANES <= hi; j += LANES) {
        for (int k = 0; k < LANES; k++) {
            double mx = ux[j + k], my = uy[j + k];
            double mxy = mx * my, mxx = mx * mx, myy = my * my;
            double num = (2.0 * mxy + c1) * (2.0 * (xy[j + k] - mxy) + c2);
            double den = (mxx + myy + c1) * (ss[j + k] - (mxx + myy) + c2);
            lanes[k] += num / den;
        }
    }
    double total = 0.0;
    for (; j < hi; j++) {
        double mx = ux[j], my = uy[j];
        double mxy = mx * my, mxx = mx * mx, myy = my * my;
        double num = (2.0 * mxy + c1) * (2.0 * (xy[j] - mxy) + c2);
        double den = (mxx + myy + c1) * (ss[j] - (mxx + myy) + c2);
        total += num / den;
    }
    for (int k = 0; k < LANES; k++) total += lanes[k];
    return total;
}

/* mixed[c] = sum over c' of mix[c][c'] * v[c'], map by map. */
static void mix_channels(const double *restrict v, long channels, long cm, const double *mix,
                         double *restrict mixed) {
    for (long c = 0; c < channels; c++) {
        double *restrict dst = mixed + c * cm;
        double w0 = mix[c * channels];
        for (long k = 0; k < cm; k++) dst[k] = w0 * v[k];
        for (long o = 1; o < channels; o++) {
            double w = mix[c * channels + o];
            const double *restrict src = v + o * cm;
            for (long k = 0; k < cm; k++) dst[k] += w * src[k];
        }
    }
}

/*
 * SSIM sums over output rows [r0, r1) and columns [j0, j1) of one (C, H, W) image pair,
 * added to sums[C].
 *
 * x, y: contiguous float32 (is_double 0) or float64 data; pad: replicate padding on H
 * and W; mix: a C x C row-major filter along the channel axis, or NULL; g: the 11 taps.
 * inner (may be NULL): per-channel sums of the unmixed map over the interior output
 * region [pad, out_h - pad) x [pad, out_w - pad), which is the unpadded image's valid
 * region (scikit-image's SSIM from the same filtering). work: dbb_ssim_work_size doubles.
 * bad[2]: counts of x and y values read that lie outside [0, range] or are NaN (added to).
 */
void dbb_ssim_block(const void *x, const void *y, int is_double, long channels, long height,
                    long width, long pad, const double *mix, const double *g, double c1, double c2,
                    double range, long r0, long r1, long j0, long j1, double *sums, double *inner,
                    long *bad, double *work) {
    long out_h = height + 2 * pad - (TAPS - 1), out_w = width + 2 * pad - (TAPS - 1);
    long n_out = j1 - j0, n_in = n_out + TAPS - 1, cm = MAPS * n_out, plane = channels * cm;
    double *p = work;
    double *ring = p + MAPS * n_in;
    double *v = ring + TAPS * plane;
    double *mixed = v + plane;
    double *lanes = mixed + plane;
    taps_t taps = load_taps(g);
    const float *xf = is_double ? NULL : (const float *)x, *yf = is_double ? NULL : (const float *)y;
    const double *xd = is_double ? (const double *)x : NULL, *yd = is_double ? (const double *)y : NULL;
    long in_lo = clamp(pad - j0, 0, n_out), in_hi = clamp(out_w - pad - j0, in_lo, n_out);

    for (long ri = r0; ri < r1 + TAPS - 1; ri++) {
        long src = clamp(ri - pad, 0, height - 1) * width;
        double *slot = ring + (ri % TAPS) * plane;
        for (long c = 0; c < channels; c++) {
            long off = c * height * width + src;
            load_row(xf ? xf + off : NULL, xd ? xd + off : NULL, yf ? yf + off : NULL, yd ? yd + off : NULL,
                     width, pad, j0, n_in, range, p, p + n_in, bad);
            filter_row(p, n_out, taps, slot + c * cm);
        }
        if (ri < r0 + TAPS - 1) continue;
        long r = ri - (TAPS - 1); /* this output row uses padded input rows r .. r + 10 */
        vertical(ring, r, plane, taps, v);
        const double *use = v;
        if (mix) {
            mix_channels(v, channels, cm, mix, mixed);
            use = mixed;
        }
        for (long c = 0; c < channels; c++) sums[c] += ssim_row_sum(use + c * cm, n_out, 0, n_out, c1, c2, lanes);
        if (inner && r >= pad && r < out_h - pad && in_lo < in_hi)
            for (long c = 0; c < channels; c++)
                inner[c] += ssim_row_sum(v + c * cm, n_out, in_lo, in_hi, c1, c2, lanes);
    }
}

/* Sum of squared differences of n contiguous values of one type, and counts of bad ones. */
#define SSE_OF(NAME, T)                                                                            \
    static double NAME(const T *restrict x, const T *restrict y, long n, double range, long *bad) { \
        double lanes[LANES] = {0.0};                                                               \
        long gx = 0, gy = 0, i = 0;                                                                \
        for (; i + LANES <= n; i += LANES) {                                                       \
            for (int k = 0; k < LANES; k++) {                                                      \
                double a = (double)x[i + k], b = (double)y[i + k], d = a - b;                      \
                lanes[k] += d * d;                                                                 \
                gx += (a >= 0.0) & (a <= range);                                                   \
                gy += (b >= 0.0) & (b <= range);                                                   \
            }                                                                                      \
        }                                                                                          \
        double total = 0.0;                                                                        \
        for (; i < n; i++) {                                                                       \
            double a = (double)x[i], b = (double)y[i], d = a - b;                                  \
            total += d * d;                                                                        \
            gx += (a >= 0.0) & (a <= range);                                                       \
            gy += (b >= 0.0) & (b <= range);                                                       \
        }                                                                                          \
        for (int k = 0; k < LANES; k++) total += lanes[k];                                         \
        bad[0] = n - gx;                                                                           \
        bad[1] = n - gy;                                                                           \
        return total;                                                                              \
    }
SSE_OF(sse_f32, float)
SSE_OF(sse_f64, double)

/*
 * Sum of squared differences of n contiguous values (float32 or float64), in float64, into
 * *sse; bad[2] gets the counts of x and y values outside [0, range] or NaN.
 */
void dbb_sse(const void *x, const void *y, int is_double, long n, double range, double *sse, long *bad) {
    *sse = is_double ? sse_f64((const double *)x, (const double *)y, n, range, bad)
                     : sse_f32((const float *)x, (const float *)y, n, range, bad);
}
