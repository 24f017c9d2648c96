// netshape: source -> frontend -> IR -> shape inference -> reports / executor. See src/cli/.
#include <exception>
#include <iostream>

#include "netshape/cli.hpp"
#include "netshape/diagnostics.hpp"

#if defined(NETSHAPE_SANITIZED)
// A sanitizer report must not look like an answer: ASan and UBSan exit 1 by default, the code of
// a shape error. In sanitized builds they exit 86 instead.
extern "C" const char* __asan_default_options() {
  return "exitcode=86";
}
extern "C" const char* __ubsan_default_options() {
  return "exitcode=86:print_stacktrace=1";
}
#endif

int main(int argc, char** argv) {
  try {
    return netshape::run_cli(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << netshape::render_command_error("out of memory", "use a smaller input or model");
  } catch (const std::exception& e) {
    std::cerr << netshape::render_command_error(std::string("internal error: ") + e.what(),
                                                "please report this input");
  }
  return 2;
}
