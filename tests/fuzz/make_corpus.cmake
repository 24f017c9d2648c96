# Builds the fuzzer's seed corpus from the repository's files, one corpus file each, the first
# byte choosing the frontend as tests/fuzz/fuzz_pipeline.hpp reads it ('0': .ns, '1': .py):
#   models/*.ns, models/notes/*.py   the shipped models (valid input, the whole language)
#   tests/py_models/*.py             model files in the styles people write (the interpreter)
#   tests/hostile/*.ns, *.py         reproducers of fixed bugs: the fuzzer explores around them
#   tests/fuzz/regressions/*         fuzz inputs kept as tests, already with their first byte
# Nothing is copied into the repository; the corpus lives in the build directory.
#   cmake -DSOURCE_DIR=<repo> -DOUT_DIR=<dir> -P make_corpus.cmake
foreach(v SOURCE_DIR OUT_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "make_corpus.cmake: -D${v}=... is required")
  endif()
endforeach()

file(GLOB ns_models "${SOURCE_DIR}/models/*.ns")
file(GLOB py_models "${SOURCE_DIR}/models/notes/*.py" "${SOURCE_DIR}/tests/py_models/*.py"
     "${SOURCE_DIR}/tests/py_models/unet/*.py")
list(FILTER py_models EXCLUDE REGEX "(gen_golden|__init__)\\.py$")
if(NOT ns_models OR NOT py_models)
  message(FATAL_ERROR "make_corpus.cmake: no models found under ${SOURCE_DIR}/models")
endif()
file(GLOB ns_hostile "${SOURCE_DIR}/tests/hostile/*.ns")
file(GLOB py_hostile "${SOURCE_DIR}/tests/hostile/*.py")
file(GLOB regressions "${SOURCE_DIR}/tests/fuzz/regressions/*")
list(FILTER regressions EXCLUDE REGEX "\\.md$")

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
set(count 0)
# A seed larger than this would only slow the fuzzer down (inputs this big are generated in tests).
set(max_bytes 65536)
foreach(group IN ITEMS ns_models py_models ns_hostile py_hostile regressions)
  if(group MATCHES "^ns_")
    set(byte "0")
  elseif(group MATCHES "^py_")
    set(byte "1")
  else()
    set(byte "")
  endif()
  foreach(file IN LISTS ${group})
    file(SIZE "${file}" size)
    if(size GREATER max_bytes)
      continue()
    endif()
    get_filename_component(name "${file}" NAME)
    file(READ "${file}" text)
    file(WRITE "${OUT_DIR}/${group}-${name}" "${byte}${text}")
    math(EXPR count "${count} + 1")
  endforeach()
endforeach()
message(STATUS "fuzz seed corpus: ${count} files in ${OUT_DIR}")
