// Minimal stand-ins for the three Android classes the Android-flavoured bindings name (and
// Build.MODEL, which the sample app names), so that they compile on the JVM (no android.jar
// reaches this machine); the sample's other Android classes are Java stubs in sample/. Never
// shipped.
@file:Suppress("unused")

package android.os

object Build {
    @JvmField val MODEL: String = "JVM"

    object VERSION {
        @JvmField val SDK_INT: Int = 34
    }

    object VERSION_CODES {
        const val TIRAMISU: Int = 33
        const val UPSIDE_DOWN_CAKE: Int = 34
    }
}
