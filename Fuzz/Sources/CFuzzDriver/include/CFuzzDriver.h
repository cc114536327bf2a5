// libFuzzer's entry point for programs that keep their own main (declared in compiler-rt's FuzzerInterface.h).
// SwiftPM links every executable target with its own `main`, so each harness's main.swift hands over to this.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
