// Escaping for LaTeX, XML/HTML and DOT (markup.hpp).
#include "markup.hpp"

namespace netshape {
namespace {

// The length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8 (a
// reader of the output would reject the file: pdflatex stops, an XML parser fails).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t n = lead < 0x80           ? 1
             : (lead >> 5) == 0x6  ? 2
             : (lead >> 4) == 0xE  ? 3
             : (lead >> 3) == 0x1E ? 4
                                   : 0;
  if (n == 0 || i + n > text.size() || (n == 2 && lead < 0xC2) || (n == 4 && lead > 0xF4)) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((lead == 0xE0 && byte(i + 1) < 0xA0) || (lead == 0xED && byte(i + 1) >= 0xA0)))
    return 0;  // overlong, or a UTF-16 surrogate
  if (n == 4 && ((lead == 0xF0 && byte(i + 1) < 0x90) || (lead == 0xF4 && byte(i + 1) >= 0x90)))
    return 0;  // overlong, or past U+10FFFF
  return n;
}

// Calls `ascii(c)` for every ASCII byte and appends every valid multi-byte character as it is;
// an invalid byte becomes `?`.
template <typename Ascii>
std::string escape_each(std::string_view text, Ascii ascii) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence_length(text, i);
    if (n == 1) {
      ascii(out, text[i]);
    } else if (n > 1) {
      out.append(text.substr(i, n));
    } else {
      out += '?';
      n = 1;
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string latex_escape(std::string_view text) {
  return escape_each(text, [](std::string& out, char c) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '{':
      case '}':
      case '$':
      case '&':
      case '#':
      case '_':
      case '%':
        out += '\\';
        out += c;
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '<':
        out += "\\textless{}";
        break;
      case '>':
        out += "\\textgreater{}";
        break;
      case '|':
        out += "\\textbar{}";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  });
}

std::string xml_escape(std::string_view text) {
  return escape_each(text, [](std::string& out, char c) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
          out += '?';
        else
          out += c;
    }
  });
}

std::string dot_escape(std::string_view text) {
  return escape_each(text, [](std::string& out, char c) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  });
}

}  // namespace netshape
