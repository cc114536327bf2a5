// swift-tools-version:6.0
// libFuzzer harnesses for dtlint's readers. Built and run by Scripts/fuzz (see Documentation/Fuzzing.md):
//   swift build --package-path Fuzz -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
// Each harness is an executable whose main.swift hands its test function to libFuzzer (FuzzSupport.runFuzzer):
// SwiftPM links executables with a main of their own, so libFuzzer's main cannot be used.
import PackageDescription

let harnesses = ["FuzzDTS", "FuzzDTB", "FuzzOverlay", "FuzzELF", "FuzzYAML"]

let package = Package(
  name: "dtlint-fuzz",
  dependencies: [.package(name: "dtlint", path: "..")],
  targets: [
    .target(name: "CFuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
  ]
    + harnesses.map { name in
      .executableTarget(
        name: name,
        dependencies: [
          "FuzzSupport",
          .product(name: "DTCore", package: "dtlint"),
          .product(name: "DTHMP", package: "dtlint"),
          .product(name: "DTYAML", package: "dtlint"),
          .product(name: "DTRules", package: "dtlint"),
        ]
      )
    }
)
