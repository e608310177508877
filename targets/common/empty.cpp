// Empty harness: platform init + exit only. Its flash/RAM is the per-target baseline that
// `microflow bench` reports next to a model's footprint.
#include "platform.h"

int main() {
  mf_platform_init();
  mf_platform_exit(0);
}
