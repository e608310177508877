#pragma once

namespace microflow {
inline constexpr const char* kMicroflowVersion = "0.1.0";
}
