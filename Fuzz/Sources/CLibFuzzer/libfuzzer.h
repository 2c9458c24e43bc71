// libFuzzer's driver entry point (compiler-rt FuzzerInterface.h). The runtime that defines it is
// linked by `-sanitize=fuzzer`; only builds with `-D FUZZING` call it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
