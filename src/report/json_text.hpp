// JSON text written straight into a string, formatted byte for byte as nlohmann::json's
// dump(2) formats it (the reference: to_json(...).dump(2), and a test compares the two), without
// building a tree first: a 100,000-layer report would otherwise allocate a node per value.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/shape.hpp"

namespace netshape {

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k);  // the next value is this member's
  void value(int64_t v);
  void value(std::string_view s);
  void number(std::string_view text);  // a number already formatted as JSON (e.g. by nlohmann)
  void boolean(bool b);  // not value(bool): a string literal would convert to bool first
  void null();

 private:
  std::string& out_;
  std::vector<char> empty_;  // per open container: nothing written in it yet (not vector<bool>)
  bool after_key_ = false;
  void open(char bracket);
  void close(char bracket);
  void element();  // the separator and indentation before an element or a member
  void quoted(std::string_view s);
};

// A shape as the reports write it: sizes as numbers, a symbolic dim as its text ("B", "2*B").
void write_shape(JsonText& j, const Shape& s);

}  // namespace netshape
