# Builds the libFuzzer dictionary: tests/fuzz/keywords.dict (keywords, punctuation) followed by
# what include/netshape/ops.def lists (op names, with and without the accepted prefixes, every
# argument name as `name=` alone and with int64 boundaries, every quoted default), so the
# dictionary can never drift from the ops.
#   cmake -DOPS_DEF=include/netshape/ops.def -DKEYWORDS=tests/fuzz/keywords.dict -DOUT=x.dict -P gen_dict.cmake
foreach(v OPS_DEF KEYWORDS OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "gen_dict.cmake: -D${v}=... is required")
  endif()
endforeach()

file(READ "${KEYWORDS}" text)
string(APPEND text "\n# --- generated from include/netshape/ops.def ---\n")

file(STRINGS "${OPS_DEF}" lines REGEX "^NS_OP\\(")
set(names "")
set(words "")
set(strings "")
foreach(line IN LISTS lines)
  # NS_OP(Id, "name", spatial_dims, family, kind, "signature")
  if(NOT line MATCHES "^NS_OP\\([A-Za-z0-9_]+, \"([A-Za-z0-9_.]+)\", [0-9]+, [A-Za-z0-9_]+, [A-Za-z0-9_]+, \"(.*)\"\\)$")
    message(FATAL_ERROR "gen_dict.cmake: cannot read this ops.def line:\n${line}")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set(signature "${CMAKE_MATCH_2}")
  list(APPEND names "${name}")
  string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*" ws "${signature}")
  list(APPEND words ${ws})
  string(REGEX MATCHALL "'[^']*'" qs "${signature}")
  list(APPEND strings ${qs})
endforeach()
list(LENGTH names count)
if(count LESS 10)
  message(FATAL_ERROR "gen_dict.cmake: only ${count} ops found in ${OPS_DEF}")
endif()
list(REMOVE_DUPLICATES words)
list(REMOVE_DUPLICATES strings)

foreach(name IN LISTS names)
  string(APPEND text "\"${name}\"\n\"${name}(\"\n")
  # Module calls as written in .py files, functional calls with their prefixes (both frontends).
  if(name MATCHES "^[A-Z]")
    string(APPEND text "\"nn.${name}(\"\n")
  else()
    string(APPEND text "\"F.${name}(\"\n\"torch.${name}(\"\n")
  endif()
endforeach()
string(APPEND text "\"nn.\"\n\"F.\"\n\"torch.\"\n\"torch.nn.functional.\"\n\"nn.functional.\"\n")
# Every argument name as `name=`, and as a whole extra argument with an int64 boundary: an
# overflow in a size formula needs a huge value at the right argument, which random mutation
# alone rarely puts there (inserted before a `)` or `,` of a call, `, dilation=2^63-1` is one).
foreach(w IN LISTS words)
  if(NOT w MATCHES "^(True|False|None)$")
    string(APPEND text "\"${w}=\"\n\", ${w}=9223372036854775807\"\n\", ${w}=4611686018427387904\"\n")
  endif()
endforeach()
foreach(s IN LISTS strings)
  string(APPEND text "\"${s}\"\n")
endforeach()

file(WRITE "${OUT}" "${text}")
