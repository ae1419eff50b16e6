// 2D convolutions straight on oneDNN (the library under ATen's CPU
// convolutions), on tfjs's layouts as they lie on the wasm heap: NHWC data
// and HWIO filters. ATen wants OIHW filters (channels-last: OHWI), so the ATen
// path transposes every filter on the way in and every filter gradient on the
// way out, then oneDNN reorders the filter once more into its blocked layout,
// and the result is copied from ATen's tensor into the heap. oneDNN takes HWIO
// as a layout of its own (format tag hwio): one reorder per filter, results
// written in place.
//
// Built when oneDNN's headers are there (Debian: libdnnl-dev, the same 2.6
// library libtorch links); each function returns false when oneDNN has no
// implementation for the case, and the caller takes the ATen path.
#pragma once

#include <cstdint>

namespace tk::onednn {

struct ConvShape {
  int64_t n, h, w, ci;   // input NHWC
  int64_t kh, kw, co;    // filter HWIO [kh, kw, ci, co]
  int64_t oh, ow;        // output NHWC [n, oh, ow, co]
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t top, bottom, left, right;
};

// Calls oneDNN ran, and calls it declined (left to ATen), since the process started.
struct Stats {
  int64_t onednn = 0, declined = 0;
};

bool available();
// Switch (on by default where available): off sends every convolution to ATen, for measuring and testing that path.
bool setEnabled(bool on);
bool enabled();
Stats stats();
bool forward(const ConvShape& s, const float* x, const float* filter, float* y);
bool backwardData(const ConvShape& s, const float* dy, const float* filter, float* dx);
bool backwardWeights(const ConvShape& s, const float* x, const float* dy, float* dFilter);

}  // namespace tk::onednn
