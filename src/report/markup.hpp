// Escaping text for the markup languages of the pasteable reports: every name, op and shape a
// model file contains goes through one of these before it reaches LaTeX, XML/HTML or DOT.
#pragma once
#include <string>
#include <string_view>

namespace netshape {

// LaTeX text mode: the ten special characters become their commands (`_` -> `\_`,
// `\` -> `\textbackslash{}`), and `<`, `>`, `|` their text commands (OT1 fonts print other
// glyphs for the bare characters).
std::string latex_escape(std::string_view text);
// XML and HTML character data and attribute values: `&`, `<`, `>`, `"`, `'` as entities; control
// bytes that XML 1.0 forbids (all below 0x20 except tab and newline) become `?`.
std::string xml_escape(std::string_view text);
// The inside of a DOT double-quoted string: `"` and `\` escaped (so a name cannot end the string
// or start one of DOT's `\n`, `\l` escapes); newlines become `\n`.
std::string dot_escape(std::string_view text);

}  // namespace netshape
