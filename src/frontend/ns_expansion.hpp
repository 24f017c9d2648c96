// A block's use, expanded once and copied for later uses with the same values. Reading a body
// again costs what reading its lines in the file costs; a ResNet repeats one block with the same
// arguments many times, and a generated deep network thousands of times. The copy is what reading
// the body again would make: the same statements, modules and origins, with the use's names (its
// path as the prefix, its inputs for the first use's inputs) and its own parameter origins.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "netshape/ir.hpp"

namespace netshape {

// Where the first use put what it made: ranges of the program's lists, and its names.
struct BlockExpansion {
  size_t first_statement = 0, statements_end = 0;
  size_t first_module = 0, modules_end = 0;  // first_module: the use's own module
  // The origins of the use's arguments (made by binding them), then those made inside its body.
  size_t first_origin = 0, bound_origins_end = 0, origins_end = 0;
  std::string path;                  // "layer1.0"
  std::vector<std::string> inputs;   // the tensors it read (pairwise distinct)
  std::vector<std::string> outputs;  // what it returned
};

// A later use: where it is, what it reads, and where its own argument origins start (binding them
// made as many as the first use's, in the same order).
struct BlockUseSite {
  std::string path;
  int parent = -1;  // the module that uses it
  Span call;        // `Block(16, 64)` in the parent
  std::vector<std::string> inputs;
  size_t first_origin = 0;
};

// Appends the copy of `e` for `use` to `prog`; returns the use's outputs.
std::vector<std::string> copy_expansion(Program& prog, const BlockExpansion& e,
                                        const BlockUseSite& use);

}  // namespace netshape
