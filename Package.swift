// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  // The tree is built and checked by one thread at a time; dynamic exclusivity checks on its class properties
  // cost ~17% of a check run (callgrind). Static checking still applies.
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
  name: "dtlint",
  products: [
    .executable(name: "dtlint", targets: ["dtlint"]),
    .library(name: "DTCore", targets: ["DTCore"]),
    .library(name: "DTHMP", targets: ["DTHMP"]),
    .library(name: "DTYAML", targets: ["DTYAML"]),
    // For the fuzz harnesses in Fuzz/ (a separate package that depends on this one by path).
    .library(name: "DTRules", targets: ["DTRules"]),
    .library(name: "DTDoctor", targets: ["DTDoctor"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // libfdt (Debian libfdt-dev ships no pkg-config file). Only Sources/DTCore/Binary imports it.
    .systemLibrary(name: "CLibfdt", providers: [.apt(["libfdt-dev"])]),
    // glibc's malloc.h, for dtlint's allocator setting (Sources/dtlint/Support/Memory.swift).
    .systemLibrary(name: "CMalloc"),
    .target(
      name: "DTCore",
      dependencies: ["CLibfdt"],
      swiftSettings: swiftSettings
    ),
    // Typed reading of hand-written YAML (knowledge profiles, M7 manifest, .dtlint.yaml) and the one error every
    // reader of foreign input throws (InputError): shared by DTHMP and DTRules' configuration.
    .target(
      name: "DTYAML",
      dependencies: ["DTCore", .product(name: "Yams", package: "Yams")],
      swiftSettings: swiftSettings
    ),
    // HMP knowledge (SoC/board/kernel profiles from schemas/, bundled), M7 manifest, ELF and pin_mux.c readers.
    .target(
      name: "DTHMP",
      dependencies: ["DTCore", "DTYAML", .product(name: "Yams", package: "Yams")],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "DTRules",
      dependencies: ["DTCore", "DTYAML", "DTHMP", .product(name: "Yams", package: "Yams")],
      swiftSettings: swiftSettings
    ),
    // HMP overlays generated and repaired, kernel logs tied to findings: built on the rules and the knowledge, so that
    // the rule engine knows nothing of them.
    .target(
      name: "DTDoctor",
      dependencies: ["DTCore", "DTHMP", "DTRules"],
      swiftSettings: swiftSettings
    ),
    // `dtlint lsp`: the Language Server Protocol over stdio, serving the front end and the rules to editors.
    .target(
      name: "DTLanguageServer",
      dependencies: ["DTCore", "DTRules", "DTHMP", "DTDoctor"],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "dtlint",
      dependencies: [
        "DTCore",
        "DTYAML",
        "DTRules",
        "DTHMP",
        "DTDoctor",
        "DTLanguageServer",
        "CMalloc",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings
      // The installed and benchmarked binary is linked fully static (Scripts/install, Scripts/bench:
      // `--static-swift-stdlib -Xswiftc -static-executable`): no dynamic loader, no shared-library lookups, no
      // relocation of ≈80 000 pointers at every start (2–3 ms of each run; README "Performance"). It is not a flag
      // here: without --static-swift-stdlib a plain `swift build -c release` could not link Foundation statically.
    ),
    .target(name: "_DTTestSupport", path: "Tests/TestSupport"),
    .testTarget(
      name: "DTCoreTests",
      dependencies: ["DTCore", "_DTTestSupport"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "DTRulesTests",
      dependencies: ["DTRules", "DTDoctor", "DTCore", "DTHMP", "DTYAML", "_DTTestSupport"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "DTHMPTests",
      dependencies: ["DTHMP", "DTYAML", "DTCore"],
      exclude: ["Fixtures"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "dtlintTests",
      // Yams reads the YAML the tests check: .pre-commit-hooks.yaml, the example workflow, `config dump`.
      dependencies: [
        "dtlint", "DTCore", "DTLanguageServer", "_DTTestSupport", .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: swiftSettings
    ),
  ]
)
