// The Android library a bank adds to its app: the Rust core (`tingshuo-ffi`) as .so files per
// ABI, and its Kotlin bindings (package org.tingshuo.core), both made by build-rust.sh, which
// `preBuild` runs. Neither is committed.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.tingshuo"
    compileSdk = 36

    defaultConfig {
        minSdk = 26
        // Keep rules for the app's R8: JNA, the generated bindings, the coroutine pieces.
        consumerProguardFiles("consumer-rules.pro")
    }

    buildTypes {
        release {
            // A library is not shrunk itself; the app's R8 applies consumer-rules.pro.
            isMinifyEnabled = false
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            // Both written by build-rust.sh.
            java.srcDir("src/main/kotlin")
            jniLibs.srcDir("src/main/jniLibs")
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // JNA as an AAR (its libjnidispatch.so per ABI). 5.17.0 is the first whose
    // libjnidispatch.so loads on 16 KB page devices (java-native-access/jna#1647): older ones,
    // 5.13 included, fail Google Play's 16 KB check. uniffi needs at least 5.12.
    api("net.java.dev.jna:jna:5.17.0@aar")
    // Suspend functions and their cancellation in the generated bindings.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // @RequiresApi in the Android flavour of the bindings (android = true).
    implementation("androidx.annotation:annotation:1.9.1")
}

// The Rust library and the Kotlin bindings, before anything is compiled. `-Ptingshuo.skipRust`
// skips it (for a build machine that ran build-rust.sh itself and provides its outputs).
val repo = layout.projectDirectory.dir("..")
val skipRust = providers.gradleProperty("tingshuo.skipRust").isPresent
val buildRust by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds libtingshuo_ffi.so per ABI (cargo-ndk) and generates the Kotlin bindings."
    onlyIf { !skipRust }
    workingDir = projectDir
    commandLine("bash", "build-rust.sh")
    inputs.file("build-rust.sh")
    inputs.files(repo.file("Cargo.toml"), repo.file("Cargo.lock"), repo.file("bindings/uniffi-android.toml"))
    inputs.files(
        repo.dir("core").asFileTree.matching { include("**/*.rs", "**/Cargo.toml", "**/*.sql") },
        repo.dir("bindings").asFileTree.matching { include("Cargo.toml", "src/**") },
        repo.dir("vendor").asFileTree,
        repo.dir("locales").asFileTree,
    )
    outputs.dir("src/main/jniLibs")
    outputs.dir("src/main/kotlin")
}

tasks.named("preBuild") {
    dependsOn(buildRust)
}
