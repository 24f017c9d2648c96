#include "netshape/commands.hpp"
namespace netshape {
int command_run(const RunOptions&, std::ostream&, std::ostream& err) {
  err << "netshape: error: run is not built yet\n";
  return 2;
}
}  // namespace netshape
