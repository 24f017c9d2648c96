// netshape: source -> frontend -> IR -> shape inference -> reports / executor. See src/cli/.
#include <exception>
#include <iostream>

#include "netshape/cli.hpp"

int main(int argc, char** argv) {
  try {
    return netshape::run_cli(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "netshape: error: out of memory\nhelp: use a smaller input or model\n";
  } catch (const std::exception& e) {
    std::cerr << "netshape: internal error: " << e.what() << "\nhelp: please report this input\n";
  }
  return 2;
}
