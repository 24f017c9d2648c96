// The --input option: which input it sets (by position or by name), its dims, and a dtype.
#include <fmt/format.h>

#include <cctype>

#include "netshape/frontend.hpp"
#include "python_value.hpp"

namespace netshape {
namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// `NAME=` at the start of `text`: the name, and the rest after it; no name otherwise.
std::string take_name(std::string& text) {
  size_t i = text.find_first_not_of(' ');
  if (i == std::string::npos || !name_start(text[i])) return "";
  size_t end = i;
  while (end < text.size() && name_char(text[end])) ++end;
  size_t eq = text.find_first_not_of(' ', end);
  if (eq == std::string::npos || text[eq] != '=') return "";
  std::string name = text.substr(i, end - i);
  text = text.substr(eq + 1);
  return name;
}

// The dtype written after the dims (`:long`, ` torch.int64`, `] long`), taken off `text`; empty
// when there is none. A word after the dims with no `:` needs a space or a bracket before it, so
// a lone symbolic dim (`B`) is a dim.
std::string take_dtype(std::string& text) {
  size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    std::string word = text.substr(colon + 1);
    text.resize(colon);
    word.erase(0, word.find_first_not_of(' '));
    word.erase(word.find_last_not_of(' ') + 1);
    return word.empty() ? ":" : word;  // ":" alone: reported as no dtype
  }
  size_t end = text.find_last_not_of(' ');
  if (end == std::string::npos) return "";
  size_t start = end + 1;
  while (start > 0 && (name_char(text[start - 1]) || text[start - 1] == '.')) --start;
  if (start == 0 || !name_start(text[start])) return "";
  char before = text[start - 1];
  if (before != ' ' && before != ']' && before != ')') return "";
  std::string word = text.substr(start, end + 1 - start);
  text.resize(start);
  return word;
}

}  // namespace

std::optional<InputOption> parse_input_option(const std::string& text, std::string& error) {
  InputOption option;
  option.text = text;
  std::string rest = text;
  option.name = take_name(rest);
  std::string dtype = take_dtype(rest);
  if (!dtype.empty()) {
    std::string full = dtype.starts_with("torch.") ? dtype : "torch." + dtype;
    if (dtype == ":" || !pylower::element_type_named(full)) {
      error = dtype == ":"
                  ? fmt::format("invalid --input '{}': no dtype after ':'", text)
                  : fmt::format("invalid --input '{}': '{}' is not a torch dtype", text, dtype);
      return std::nullopt;
    }
    option.dtype = full;
  }
  auto dims = parse_dims_option(rest, error);
  if (!dims) {
    if (!option.name.empty() || !dtype.empty())  // name the option as given, not its dims alone
      error = fmt::format("invalid --input '{}': '{}' is not a shape", text, rest);
    return std::nullopt;
  }
  option.dims = std::move(*dims);
  return option;
}

std::optional<std::vector<size_t>> input_option_targets(const std::vector<InputOption>& options,
                                                        const std::vector<std::string>& inputs,
                                                        std::string& error, std::string& help) {
  std::string listed = fmt::format("{}", fmt::join(inputs, ", "));
  std::vector<size_t> targets;
  std::vector<bool> set(inputs.size(), false);
  for (size_t k = 0; k < options.size(); ++k) {
    const InputOption& o = options[k];
    size_t target = k;
    if (!o.name.empty()) {
      target = std::find(inputs.begin(), inputs.end(), o.name) - inputs.begin();
      if (target == inputs.size()) {
        error = fmt::format("--input '{}': the model has no input '{}'", o.text, o.name);
        help = inputs.empty() ? "give the input's shape alone: --input B,3,32,32"
                              : fmt::format("its inputs are {}", listed);
        return std::nullopt;
      }
    } else if (target >= inputs.size()) {
      error = fmt::format("--input is given {} times, and the model has {} input{} ({})",
                          options.size(), inputs.size(), inputs.size() == 1 ? "" : "s", listed);
      help = "give one --input per input of forward, in order, or name it: --input mask=B,20";
      return std::nullopt;
    }
    if (set[target]) {
      error = fmt::format("--input gives input '{}' twice", inputs[target]);
      help = fmt::format(
          "an --input without a name sets the input at its position ({}); name the others: "
          "--input {}=...",
          listed, inputs[target]);
      return std::nullopt;
    }
    set[target] = true;
    targets.push_back(target);
  }
  return targets;
}

}  // namespace netshape
