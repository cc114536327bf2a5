// Intentionally empty: the declaration in include/CFuzzDriver.h is resolved by libFuzzer at link time.
