// An invariant a fuzz target checks: a violation aborts, which libFuzzer
// (and the corpus replay test) reports as a crash with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                            \
  do {                                                                   \
    if (!(condition)) {                                                  \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #condition, \
                   __FILE__, __LINE__);                                  \
      std::abort();                                                      \
    }                                                                    \
  } while (false)
