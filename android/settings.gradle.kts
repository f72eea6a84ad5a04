// Tingshuo's Android library module, built on its own (`gradle assembleRelease` here) or
// included in a bank's app build (see README.md). Included elsewhere, this file is not read:
// the app's own settings then give the plugin versions.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        id("com.android.library") version "8.13.0"
        id("org.jetbrains.kotlin.android") version "2.2.20"
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "tingshuo"
