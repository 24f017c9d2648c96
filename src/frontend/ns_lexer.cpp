// NsTokenizer: the .ns lexer (ns_lexer.hpp) for callers outside the parser.
#include "ns_lexer.hpp"

#include <memory>

namespace netshape {

class NsTokenizer::Impl : public NsLexer {
 public:
  using NsLexer::NsLexer;
};

NsTokenizer::NsTokenizer(const SourceFile& src, Diagnostics& diags)
    : impl_(std::make_unique<Impl>(src, diags)) {}
NsTokenizer::~NsTokenizer() = default;
Token NsTokenizer::next() {
  return impl_->next();
}

}  // namespace netshape
