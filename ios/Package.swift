// swift-tools-version:5.9
// Tingshuo's Swift package: the Rust core as a static XCFramework (TingshuoFFI.xcframework,
// with the C header and module map of TingshuoCoreFFI) and the generated Swift bindings as
// the module TingshuoCore. build-xcframework.sh writes both; neither is committed.
import PackageDescription

let package = Package(
    name: "Tingshuo",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "TingshuoCore", targets: ["TingshuoCore"]),
    ],
    targets: [
        .binaryTarget(name: "TingshuoFFI", path: "TingshuoFFI.xcframework"),
        .target(
            name: "TingshuoCore",
            dependencies: ["TingshuoFFI"],
            path: "Sources/TingshuoCore",
            linkerSettings: [
                // A static library carries none of its own link requirements: whisper.cpp
                // uses Accelerate and libc++; the TLS verifier (rustls-platform-verifier)
                // uses Security and CoreFoundation.
                .linkedFramework("Accelerate"),
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
                .linkedLibrary("c++"),
            ]
        ),
    ],
    swiftLanguageVersions: [.v5]
)
