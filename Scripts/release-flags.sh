# The flags of the release binary users get (Scripts/install) and the one Scripts/bench measures, in one place.
# Sourced, not run: sets the array `release_flags` for `swift build`. Package.swift stays free of unsafe flags.
#
# - Static: the Swift runtime and Foundation are linked in; the binary needs libfdt, libstdc++ and libgcc_s only.
# - Generic types are instantiated through their metadata accessors, not looked up by mangled name at run time:
#   each such lookup checks the type's conformances by scanning every conformance record of the binary (issue 20:
#   2 M of an `apply`'s 36.5 M instructions, 5.5 M of a board check's 100.7 M).
# - Every function and global in its own section, linked by lld in the order of Scripts/link-order.txt (made by
#   Scripts/link-order from profiled runs): the code and data a run touches sit together in a few pages instead of
#   being spread over 21 MB of text. Page faults are most of a short command's cost (issue 20: a dump of a small blob
#   took 180 faults, 90 of them on text, each mapping up to 16 pages). Names the file lists that the binary no longer
#   has are skipped; a stale order costs speed, never correctness.
release_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
release_flags=(-c release --static-swift-stdlib -Xswiftc -static-executable
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections
  -Xswiftc -use-ld=lld -Xlinker "--symbol-ordering-file=$release_root/Scripts/link-order.txt"
  -Xlinker --no-warn-symbol-ordering)
