# Small helpers so every target is declared the same way.
#
# Include paths are per target: every qudao target sees the source root (all
# includes are written "common/...", "services/..."), and generated proto
# headers come only through the proto library of their package. Links are
# explicit: DEPS are PUBLIC (they appear in the target's headers),
# PRIVATE_DEPS are implementation details that do not leak to dependants.

set(QUDAO_WARNINGS -Wall -Wextra)
if(QUDAO_WERROR)
  list(APPEND QUDAO_WARNINGS -Werror)
endif()

function(_qudao_target_defaults name)
  target_compile_options(${name} PRIVATE ${QUDAO_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# qudao_cc_library(name SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
function(qudao_cc_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  _qudao_target_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# The only libraries a rules library (the business itself: plain structs in,
# absl::StatusOr out) may depend on, directly or through another target.
set(QUDAO_RULES_ALLOWED_DEPS qudao_money qudao_status qudao_validation
    qudao_pagination qudao_calendar qudao_principal)
# What rules sources may include besides the C++ standard library.
set(QUDAO_RULES_ALLOWED_INCLUDES
    "absl/" "common/money/" "common/status/" "common/validation/"
    "common/calendar/" "common/auth/principal.h" "services/")

# Fails the configure step if `target` reaches anything outside the
# allow-list (gRPC, protobuf, SQL, Redis, HTTP, other qudao layers).
function(_qudao_check_rules_deps root target)
  get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
  if(NOT deps)
    return()
  endif()
  foreach(dep ${deps})
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
    if(dep MATCHES "^absl::" OR dep STREQUAL "Threads::Threads")
      continue()
    endif()
    if(dep MATCHES "_rules$")
      _qudao_check_rules_deps(${root} ${dep})
      continue()
    endif()
    list(FIND QUDAO_RULES_ALLOWED_DEPS ${dep} allowed)
    if(allowed EQUAL -1)
      message(FATAL_ERROR
        "${root} is a rules library and may link only Abseil and "
        "${QUDAO_RULES_ALLOWED_DEPS}, but it reaches ${dep} (via ${target})")
    endif()
    _qudao_check_rules_deps(${root} ${dep})
  endforeach()
endfunction()

# qudao_rules_library(name SRCS ... [DEPS ...])
# The rules of a service (ARCHITECTURE.md: "rules"): links no gRPC, SQL or
# Redis, and the build enforces it on the link closure and on the includes
# of its sources and their headers.
function(qudao_rules_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  qudao_cc_library(${name} SRCS ${ARG_SRCS} DEPS ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY QUDAO_RULES_LIBRARIES ${name})
  foreach(src ${ARG_SRCS})
    get_filename_component(abs ${src} ABSOLUTE)
    string(REGEX REPLACE "\\.cc$" ".h" header ${abs})
    foreach(file ${abs} ${header})
      if(NOT EXISTS ${file})
        continue()
      endif()
      # Re-check on every edit of the file, not only at first configure.
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
      file(STRINGS ${file} includes REGEX "^#include \"")
      foreach(line ${includes})
        string(REGEX REPLACE "^#include \"([^\"]*)\".*" "\\1" inc "${line}")
        set(ok FALSE)
        foreach(prefix ${QUDAO_RULES_ALLOWED_INCLUDES})
          string(FIND "${inc}" "${prefix}" at)
          if(at EQUAL 0)
            set(ok TRUE)
          endif()
        endforeach()
        if(inc MATCHES "_(store|service|operations|module|proto|cache)\\.h$"
           OR inc MATCHES "\\.pb\\.h$")
          set(ok FALSE)
        endif()
        if(NOT ok)
          message(FATAL_ERROR
            "${file} belongs to the rules library ${name} and may not "
            "include \"${inc}\" (rules see only Abseil, common/money, "
            "common/status, common/validation, common/calendar and other "
            "rules)")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

# Checks every rules library's link closure; call once at the end of the
# top-level CMakeLists (targets must all be defined).
function(qudao_check_rules_libraries)
  get_property(libs GLOBAL PROPERTY QUDAO_RULES_LIBRARIES)
  foreach(lib ${libs})
    _qudao_check_rules_deps(${lib} ${lib})
  endforeach()
endfunction()

# qudao_cc_binary(name SRCS ... DEPS ...)
# Binaries (services, the CLI, benchmarks) link the memory allocator
# QUDAO_MALLOC chose (the top-level CMakeLists.txt); tests keep the C
# library's.
function(qudao_cc_binary name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  _qudao_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  if(TARGET PkgConfig::TCMALLOC)
    target_link_libraries(${name} PRIVATE PkgConfig::TCMALLOC)
  endif()
endfunction()

# qudao_proto_library(name PROTOS ... [DEPS ...] [GRPC])
# Generates C++ (and with GRPC, gRPC service) code for the protos of one
# package into the build tree; dependants get the generated headers'
# include path. PROTOS are paths relative to proto/.
function(qudao_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPS" ${ARGN})
  set(root ${PROJECT_SOURCE_DIR}/proto)
  set(out ${PROJECT_BINARY_DIR}/generated)
  set(generated)
  foreach(proto ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outs ${out}/${stem}.pb.cc ${out}/${stem}.pb.h)
    set(args --proto_path=${root} --proto_path=${Protobuf_INCLUDE_DIRS}
             --cpp_out=${out})
    if(ARG_GRPC)
      list(APPEND outs ${out}/${stem}.grpc.pb.cc ${out}/${stem}.grpc.pb.h)
      list(APPEND args --grpc_out=${out}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND ${Protobuf_PROTOC_EXECUTABLE} ${args} ${proto}
      DEPENDS ${root}/${proto}
      WORKING_DIRECTORY ${root}
      COMMENT "protoc ${proto}")
    list(APPEND generated ${outs})
  endforeach()
  add_library(${name} STATIC ${generated})
  target_include_directories(${name} PUBLIC ${out})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# qudao_cc_test(name SRCS ... DEPS ... [LABELS ...] [OWN_MAIN])
# One ctest entry per test binary: suites that start PostgreSQL or service
# processes pay that cost once per binary, not once per case. Labels let a
# suite be run alone (`ctest -L postgres`).
function(qudao_cc_test name)
  if(NOT QUDAO_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "OWN_MAIN" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  _qudao_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest)
  if(NOT ARG_OWN_MAIN)
    target_link_libraries(${name} PRIVATE GTest::gtest_main)
  endif()
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  else()
    set(labels unit)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT 600)
endfunction()
