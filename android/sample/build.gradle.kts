// Tingshuo's sample app: registration, the consent screen, typed and spoken turns, the
// step-up, the phone's own voice. -Ptingshuo.bankUrl=… points it at a bank (default: the
// reference bank through `adb reverse tcp:8080 tcp:8080`).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val bankUrl = providers.gradleProperty("tingshuo.bankUrl").getOrElse("http://127.0.0.1:8080")
val bankPhone = providers.gradleProperty("tingshuo.bankPhone").getOrElse("95588")

android {
    namespace = "org.tingshuo.sample"
    compileSdk = 36

    defaultConfig {
        applicationId = "org.tingshuo.sample"
        // Android 13: the Keystore's Ed25519 keys (the device's login and payment keys).
        minSdk = 33
        targetSdk = 36
        versionCode = 1
        versionName = "0.1"
        buildConfigField("String", "BANK_URL", "\"$bankUrl\"")
        buildConfigField("String", "BANK_PHONE", "\"$bankPhone\"")
    }

    buildFeatures {
        buildConfig = true
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    // The speech model is read as a file: stored, not compressed, in the APK.
    androidResources {
        noCompress += "bin"
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            java.srcDir("src/main/kotlin")
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    implementation(project(":tingshuo"))
    implementation("androidx.appcompat:appcompat:1.7.1")
    implementation("androidx.activity:activity-ktx:1.10.1")
    implementation("androidx.biometric:biometric:1.1.0")
}
