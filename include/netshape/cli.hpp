// The command line: check / run / bench / shape / params. Returns the process exit code.
#pragma once
#include "netshape/pipeline.hpp"

namespace netshape {

int run_cli(int argc, char** argv);

}  // namespace netshape
