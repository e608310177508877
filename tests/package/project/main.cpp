// One inference of the sine model at x = pi/2: the output must be near 1 (exit status 0).
#include <stdio.h>

#include "sine.h"
#ifdef MICROFLOW_FIRMWARE
#include "platform.h"  // the toolchain's platform glue: a firmware must end in mf_platform_exit()
#endif

int main() {
#ifdef MICROFLOW_FIRMWARE
  mf_platform_init();
#endif
  sine::Model model;
  const float x = 1.5707963f;
  float y = 0;
  model.set_input(&x);
  model.invoke();
  model.get_output(&y);
  printf("sine(%.4f) = %.4f\n", static_cast<double>(x), static_cast<double>(y));
  const int status = y > 0.85f && y < 1.15f ? 0 : 1;
#ifdef MICROFLOW_FIRMWARE
  fflush(stdout);
  mf_platform_exit(status);
#endif
  return status;
}
