// The largest finite values of PyTorch's floating types (torch.finfo(t).max in 1.13): the range
// c10's checked conversion takes into them. One place for the .py reader's number table and the
// rules that check a number against a model's type.
#pragma once

namespace netshape {

inline constexpr double kFloat16Max = 65504.0;
inline constexpr double kBFloat16Max = 3.3895313892515355e+38;
inline constexpr double kFloat32Max = 3.4028234663852886e+38;
inline constexpr double kFloat64Max = 1.7976931348623157e+308;

}  // namespace netshape
